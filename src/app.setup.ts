import { ConfigService } from '@nestjs/config';
import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { useContainer } from 'class-validator';
import { Logger } from 'nestjs-pino';
import { AllowedModelConstraint } from './chat/dto/allowed-model.constraint';
import { acceptJsonBodies } from './common/body/json-body';
import { setupOpenApi } from './common/openapi/openapi';
import { newRequestId } from './common/request-context/request-id';
import { recordRoute } from './common/request-context/route-of';
import { appConfig } from './config/app.config';
import type { AllConfig } from './config/configuration';

/** Bodies are read by acceptJsonBodies, which maps every parse failure to the contract. */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/**
 * The HTTP server. Fastify takes these settings when it is built, before the
 * app's modules (and their ConfigService) exist, so it reads the app config itself.
 */
export function createHttpAdapter(): FastifyAdapter {
  const { trustProxy } = appConfig();
  return new FastifyAdapter({
    // One hop: the address our own proxy saw, which a caller cannot forge by sending the header itself.
    trustProxy: trustProxy ? 1 : false,
    genReqId: newRequestId,
    // Node's own defaults, which Fastify would otherwise replace: keep-alive for 5 s
    // (proxies are told to keep theirs shorter, see the README), and 5 minutes at most
    // to receive a request, so a client trickling its body cannot hold a socket forever.
    keepAliveTimeout: 5000,
    requestTimeout: 300_000,
    routerOptions: { ignoreTrailingSlash: true },
  });
}

/**
 * class-validator builds its rule classes itself; the one that reads configuration
 * comes from this app instead. Anything else falls back to class-validator's own.
 */
function useConfiguredConstraints(app: NestFastifyApplication): void {
  const allowedModel = app.get(AllowedModelConstraint);
  useContainer(
    {
      get: <T>(type: unknown) => (type === AllowedModelConstraint ? allowedModel : undefined) as T,
    },
    { fallback: true },
  );
}

/** What every instance of the app needs beyond its modules; tests call it too. */
export function configureApp(app: NestFastifyApplication): { port: number } {
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { name, version, corsOrigins, port, bodyLimitBytes } = config.get('app', { infer: true });
  app.useLogger(app.get(Logger));
  useConfiguredConstraints(app);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', recordRoute);
  acceptJsonBodies(fastify, bodyLimitBytes);
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      exposedHeaders: [
        'X-Request-ID',
        'X-Process-Time',
        'X-Conversation-ID',
        'X-Cache',
        'X-History-Saved',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
    });
  }
  setupOpenApi(app, name, version);
  return { port };
}

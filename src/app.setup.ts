import { ConfigService } from '@nestjs/config';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useContainer } from 'class-validator';
import { Logger } from 'nestjs-pino';
import responseTime from 'response-time';
import { AllowedModelConstraint } from './chat/dto/allowed-model.constraint';
import { answerClientErrors } from './common/http/client-error';
import { setupOpenApi } from './common/openapi/openapi';
import { identifyRequest } from './common/request-context/request-id';
import type { AllConfig } from './config/configuration';

/** Bodies are parsed by JsonBodyMiddleware, after the request has its id and log line. */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/** Headers a browser may read from a cross-origin answer. */
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Process-Time',
  'X-Conversation-ID',
  'X-Cache',
  'X-History-Saved',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/**
 * class-validator builds its rule classes itself; the one that reads configuration
 * comes from this app instead. Anything else falls back to class-validator's own.
 */
function useConfiguredConstraints(app: NestExpressApplication): void {
  const allowedModel = app.get(AllowedModelConstraint);
  useContainer(
    {
      get: <T>(type: unknown) => (type === AllowedModelConstraint ? allowedModel : undefined) as T,
    },
    { fallback: true },
  );
}

/** What every instance of the app needs beyond its modules; tests call it too. */
export function configureApp(app: NestExpressApplication): { port: number } {
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { name, version, corsOrigins, port, trustProxy } = config.get('app', { infer: true });
  app.useLogger(app.get(Logger));
  useConfiguredConstraints(app);
  // One hop: the address our own proxy saw, which a caller cannot forge by sending the header itself.
  app.set('trust proxy', trustProxy ? 1 : false);
  // Hashing every answer for an ETag costs CPU, and no client of a chat API revalidates one.
  app.set('etag', false);
  app.disable('x-powered-by');
  // First of all, so that every answer, errors, 404s and the docs included, carries both headers.
  app.use(
    identifyRequest,
    responseTime((_req, res, milliseconds) =>
      res.setHeader('X-Process-Time', (milliseconds / 1000).toFixed(6)),
    ),
  );
  answerClientErrors(app.getHttpServer());
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      exposedHeaders: EXPOSED_HEADERS,
    });
  }
  setupOpenApi(app, name, version);
  return { port };
}

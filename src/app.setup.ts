import { ConfigService } from '@nestjs/config';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useContainer } from 'class-validator';
import { Logger } from 'nestjs-pino';
import { AllowedModelConstraint } from './chat/dto/allowed-model.constraint';
import { setupOpenApi } from './common/openapi/openapi';
import type { AllConfig } from './config/configuration';

/** Bodies are read by JsonBodyMiddleware, which maps every parse failure to the contract. */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

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
  const { name, version, trustProxy, corsOrigins, port } = config.get('app', { infer: true });
  app.useLogger(app.get(Logger));
  useConfiguredConstraints(app);
  app.disable('x-powered-by');
  // Every answer is new: hashing each body for an ETag buys nothing.
  app.set('etag', false);
  // One hop: the address our own proxy saw, which a caller cannot forge by sending the header itself.
  app.set('trust proxy', trustProxy ? 1 : false);
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

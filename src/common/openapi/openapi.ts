import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AllConfig } from '../../config/configuration';

const DOCS_PATH = 'docs';
const JSON_DOCUMENT_PATH = 'openapi.json';
const YAML_DOCUMENT_PATH = 'docs-yaml';

const DESCRIPTION =
  'Chat with an LLM over REST and Server-Sent Events, with conversation memory, response caching and rate limiting.' +
  '\n\nProvider failover: a call goes to the upstreams of `LLM_UPSTREAMS` that serve its model, by weight; on a retryable failure ' +
  '(429, 5xx, timeout, connection) after its retries it moves to the next upstream, then to the models of `LLM_FALLBACK_MODELS` in order ' +
  '(a stream only before its first content). An upstream+model that fails `CIRCUIT_FAILURES` times in a row is skipped for `CIRCUIT_COOLDOWN` seconds, then probed once. ' +
  'When nothing is left to try the answer is 503 `upstream_unavailable` with `Retry-After`. ' +
  'Answers name the model that answered in `model`, the upstream in `X-LLM-Upstream`, and the seconds spent waiting on providers in `X-Upstream-Time`. ' +
  'With `CACHE_REDIS_URL` cached answers live in a Redis of their own, which may evict them.';
const PLAYGROUND_LINK = ' Try it in the browser: [/playground](/playground).';

/** Swagger UI at /docs and the OpenAPI document at /openapi.json, generated from the DTOs. */
export function setupOpenApi(app: INestApplication, name: string, version: string): void {
  const { playground } = app
    .get<ConfigService<AllConfig, true>>(ConfigService)
    .get('app', { infer: true });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(name)
      .setDescription(playground ? DESCRIPTION + PLAYGROUND_LINK : DESCRIPTION)
      .setVersion(version)
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'Needed when API_KEYS is set.',
      })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: JSON_DOCUMENT_PATH,
    yamlDocumentUrl: YAML_DOCUMENT_PATH,
  });
}

import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  [keyword: string]: unknown;
}

interface ResponseObject {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Schema }>;
}

interface Operation {
  responses: Record<string, ResponseObject>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

const ERROR_STATUSES = [
  '400',
  '401',
  '404',
  '413',
  '415',
  '422',
  '429',
  '500',
  '502',
  '503',
  '504',
];
const CHAT_RESPONSE_FIELDS = [
  'message',
  'conversation_id',
  'model',
  'tokens_used',
  'prompt_tokens',
  'completion_tokens',
  'cost_estimate',
  'finish_reason',
  'cached',
  'timestamp',
];

describe('OpenAPI document and Swagger UI', () => {
  let sut: TestApp;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    sut = await startTestApp({});
    doc = (await request(sut.url).get('/openapi.json').expect(200)).body as OpenApiDocument;
  });
  afterAll(() => sut.close());

  /** The schema a `$ref` points at, or the schema itself. */
  const resolve = (schema: Schema | undefined): Schema => {
    const ref = schema?.$ref;
    if (ref === undefined) return schema ?? {};
    const resolved = doc.components.schemas[ref.replace('#/components/schemas/', '')];
    if (resolved === undefined) throw new Error(`dangling ${ref}`);
    return resolved;
  };
  const operation = (path: string, method: string): Operation => {
    const found = doc.paths[path]?.[method];
    if (found === undefined) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    return found;
  };
  const jsonSchemaOf = (response: ResponseObject | undefined, type = 'application/json') =>
    resolve(response?.content?.[type]?.schema);

  it('serves Swagger UI as HTML at /docs', async () => {
    const res = await request(sut.url).get('/docs').expect(200);

    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('serves an OpenAPI 3 document with the service name and version', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'llm-chat-api', version: expect.any(String) });
  });

  it.each([
    ['/', 'get'],
    ['/health', 'get'],
    ['/health/live', 'get'],
    ['/health/ready', 'get'],
    ['/api/v1/chat', 'post'],
    ['/api/v1/chat/stream', 'post'],
    ['/api/v1/conversations/{id}', 'get'],
    ['/api/v1/conversations/{id}', 'delete'],
  ])('documents %s %s', (path, method) => {
    expect(doc.paths[path]?.[method]).toBeDefined();
  });

  it('documents the chat request with all 7 snake_case fields and their limits', () => {
    const schema = resolve(
      operation('/api/v1/chat', 'post').requestBody?.content['application/json']?.schema,
    );

    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(
      [
        'conversation_id',
        'max_tokens',
        'message',
        'model',
        'stream',
        'system_prompt',
        'temperature',
      ].sort(),
    );
    expect(schema.required).toEqual(['message']);
    expect(schema.properties).toMatchObject({
      message: { type: 'string', minLength: 1, maxLength: 5000 },
      conversation_id: { type: 'string', format: 'uuid' },
      system_prompt: { type: 'string', maxLength: 1000 },
      temperature: { type: 'number', minimum: 0, maximum: 2 },
      max_tokens: { type: 'integer', minimum: 1, maximum: 4000 },
      stream: { type: 'boolean', default: false },
      model: { type: 'string' },
    });
  });

  it('documents the same request body for the stream route', () => {
    const chat = operation('/api/v1/chat', 'post').requestBody?.content['application/json'];
    const stream = operation('/api/v1/chat/stream', 'post').requestBody?.content[
      'application/json'
    ];

    expect(stream?.schema).toEqual(chat?.schema);
  });

  it.each(['/api/v1/chat', '/api/v1/chat/stream'])(
    'offers "Try it out" on POST %s a first turn a person would send, with no conversation_id',
    (path) => {
      const content = operation(path, 'post').requestBody?.content['application/json'] as {
        examples?: Record<string, { value: Record<string, unknown> }>;
      };
      const examples = Object.values(content.examples ?? {}).map(({ value }) => value);

      expect(examples).toEqual([
        {
          message: expect.any(String),
          system_prompt: expect.any(String),
          temperature: 0.7,
          max_tokens: 500,
        },
      ]);
    },
  );

  it("documents the OpenAI-compatible routes, their body and their errors in OpenAI's shape", () => {
    const create = operation('/v1/chat/completions', 'post');
    const body = create.requestBody?.content['application/json']?.schema as Schema;

    expect(body.required).toEqual(['model', 'messages']);
    expect(create.responses['200']).toBeDefined();
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['401', '404', '429']));
    expect(operation('/v1/models', 'get').responses['200']).toBeDefined();
  });

  it.each(['/api/v1/chat', '/api/v1/chat/stream'])('documents POST %s as 200, not 201', (path) => {
    const { responses } = operation(path, 'post');

    expect(responses['200']).toBeDefined();
    expect(responses['201']).toBeUndefined();
  });

  it.each(['/api/v1/chat', '/api/v1/chat/stream'])(
    'documents every error status of POST %s with the error schema',
    (path) => {
      const { responses } = operation(path, 'post');

      for (const status of ERROR_STATUSES) {
        const schema = jsonSchemaOf(responses[status]);
        expect({ status, properties: Object.keys(schema.properties ?? {}) }).toEqual({
          status,
          properties: expect.arrayContaining(['error', 'message', 'request_id']),
        });
        expect(schema.required).toEqual(expect.arrayContaining(['error', 'message', 'request_id']));
      }
    },
  );

  it('lists every contract error code in the error schema, with details and retry_after', () => {
    const schema = jsonSchemaOf(operation('/api/v1/chat', 'post').responses['422']);

    expect(schema.properties?.error?.enum).toEqual(
      expect.arrayContaining([
        'bad_request',
        'unauthorized',
        'not_found',
        'payload_too_large',
        'unsupported_media_type',
        'validation_error',
        'rate_limit_exceeded',
        'upstream_rate_limited',
        'context_length_exceeded',
        'upstream_error',
        'upstream_unavailable',
        'store_unavailable',
        'upstream_timeout',
        'internal_error',
      ]),
    );
    const detail = resolve(schema.properties?.details?.items);
    expect(Object.keys(detail.properties ?? {}).sort()).toEqual(['field', 'message']);
    expect(schema.properties?.retry_after?.type).toBe('integer');
  });

  it('documents every field of the chat response, and its headers', () => {
    const ok = operation('/api/v1/chat', 'post').responses['200'];
    const schema = jsonSchemaOf(ok);

    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...CHAT_RESPONSE_FIELDS].sort());
    expect(schema.required).toEqual(expect.arrayContaining(CHAT_RESPONSE_FIELDS));
    expect(schema.properties).toMatchObject({
      conversation_id: { format: 'uuid' },
      timestamp: { format: 'date-time' },
      cached: { type: 'boolean' },
      tokens_used: { type: 'integer' },
      cost_estimate: { type: 'number' },
    });
    expect(Object.keys(ok?.headers ?? {})).toEqual(
      expect.arrayContaining(['X-Conversation-ID', 'X-Cache', 'X-LLM-Upstream', 'X-Upstream-Time']),
    );
  });

  it('describes provider failover and each of its variables', () => {
    const description = (doc.info as { description?: string }).description ?? '';

    for (const variable of [
      'LLM_UPSTREAMS',
      'LLM_FALLBACK_MODELS',
      'CIRCUIT_FAILURES',
      'CIRCUIT_COOLDOWN',
      'CACHE_REDIS_URL',
    ]) {
      expect(description).toContain(`\`${variable}\``);
    }
    expect(description).toContain('503 `upstream_unavailable` with `Retry-After`');
  });

  it('documents stream: true answers and the stream route as events, not as the JSON answer', () => {
    const chatEvents = jsonSchemaOf(
      operation('/api/v1/chat', 'post').responses['200'],
      'text/event-stream',
    );
    const streamEvents = jsonSchemaOf(
      operation('/api/v1/chat/stream', 'post').responses['200'],
      'text/event-stream',
    );

    for (const events of [chatEvents, streamEvents]) {
      expect(Object.keys(events.properties ?? {})).toEqual(
        expect.arrayContaining(['delta', 'conversation_id', 'finished', 'error']),
      );
    }
  });

  it('documents the stream error event with the contract error codes', () => {
    const events = jsonSchemaOf(
      operation('/api/v1/chat/stream', 'post').responses['200'],
      'text/event-stream',
    );
    const error = events.properties?.error;
    const errorSchema = resolve(error?.allOf?.[0] ?? error);

    expect(errorSchema.properties?.error).toMatchObject({
      type: 'string',
      enum: expect.arrayContaining(['upstream_unavailable', 'upstream_timeout']),
    });
  });

  it('documents the conversation routes: 200 with the conversation, 204 on delete, 404', () => {
    const get = operation('/api/v1/conversations/{id}', 'get');
    const del = operation('/api/v1/conversations/{id}', 'delete');

    expect(Object.keys(jsonSchemaOf(get.responses['200']).properties ?? {}).sort()).toEqual(
      [
        'conversation_id',
        'created_at',
        'messages',
        'system_prompt',
        'total_cost',
        'total_tokens',
        'updated_at',
      ].sort(),
    );
    expect(del.responses['204']).toBeDefined();
    expect(del.responses['200']).toBeUndefined();
    for (const op of [get, del]) {
      expect(jsonSchemaOf(op.responses['404']).required).toEqual(
        expect.arrayContaining(['error', 'message', 'request_id']),
      );
    }
  });

  it('documents readiness as 200 or 503', () => {
    const { responses } = operation('/health/ready', 'get');

    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '503']));
  });

  it('asks for an API key (bearer or X-API-Key) on /api/v1 and /v1 routes only', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api-key', 'bearer']);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const expected = /^\/(api\/)?v1\//.test(path)
          ? [{ bearer: [] }, { 'api-key': [] }]
          : undefined;
        expect({ route: `${method} ${path}`, security: op.security }).toEqual({
          route: `${method} ${path}`,
          security: expected,
        });
      }
    }
  });
});

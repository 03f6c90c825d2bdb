import request from 'supertest';
import { expectError, REQUEST_ID } from './support/error-shape';
import { startTestApp, type TestApp } from './support/test-app';

const ROOMY = { RATE_LIMIT_REQUESTS: '100000' };
const PROCESS_TIME = /^\d+(\.\d+)?$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function expectIsoUtc(value: unknown): void {
  expect(value).toMatch(ISO_UTC);
  expect(new Date(value as string).toISOString()).toBe(value);
}

describe('request context and service routes', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp(ROOMY);
  });
  afterAll(() => sut.close());

  const responses: [string, number, () => request.Test][] = [
    ['GET /', 200, () => request(sut.url).get('/')],
    ['POST /api/v1/chat', 200, () => request(sut.url).post('/api/v1/chat').send({ message: 'hi' })],
    ['GET /no/such/route', 404, () => request(sut.url).get('/no/such/route')],
    [
      'POST /api/v1/chat with a bad field',
      422,
      () => request(sut.url).post('/api/v1/chat').send({}),
    ],
    [
      'POST /api/v1/chat as text/plain',
      415,
      () => request(sut.url).post('/api/v1/chat').set('Content-Type', 'text/plain').send('hi'),
    ],
    ['GET /health', 200, () => request(sut.url).get('/health')],
    ['GET /health/live', 200, () => request(sut.url).get('/health/live')],
    ['GET /health/ready', 200, () => request(sut.url).get('/health/ready')],
    ['GET /docs', 200, () => request(sut.url).get('/docs')],
    ['GET /openapi.json', 200, () => request(sut.url).get('/openapi.json')],
  ];

  it.each(responses)(
    'gives %s (status %p) X-Request-ID and X-Process-Time',
    async (_, status, send) => {
      const res = await send();

      expect(res.status).toBe(status);
      expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
      expect(res.headers['x-process-time']).toMatch(PROCESS_TIME);
      expect(Number(res.headers['x-process-time'])).toBeLessThan(10);
    },
  );

  it('gives every response its own generated id', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await request(sut.url).get('/health')).headers['x-request-id']),
    );

    expect(new Set(ids).size).toBe(3);
  });

  it.each([
    ['a short token', 'abc-123_X.y'],
    ['a token of 128 characters', 'r'.repeat(128)],
  ])(
    'echoes a sane incoming X-Request-ID (%s), in the header and in an error body',
    async (_, incoming) => {
      const ok = await request(sut.url).get('/health').set('X-Request-ID', incoming);
      const failed = await request(sut.url).get('/missing').set('X-Request-ID', incoming);

      expect(ok.headers['x-request-id']).toBe(incoming);
      expect(failed.headers['x-request-id']).toBe(incoming);
      expect(failed.body.request_id).toBe(incoming);
    },
  );

  it.each([
    ['one with spaces', 'abc 123'],
    ['one of 129 characters', 'r'.repeat(129)],
    ['markup', '<script>alert(1)</script>'],
    ['a path', '../../etc/passwd'],
  ])('replaces an insane incoming X-Request-ID (%s) with a generated one', async (_, incoming) => {
    const res = await request(sut.url).get('/missing').set('X-Request-ID', incoming);

    const id = res.headers['x-request-id'];
    expect(id).not.toBe(incoming);
    expect(id).toMatch(REQUEST_ID);
    expect(res.body.request_id).toBe(id);
  });

  it('answers an unknown route with 404 not_found in the error shape', async () => {
    const res = await request(sut.url).get('/api/v1/nothing-here');

    expectError(res, 404, 'not_found');
  });

  it('answers an unknown method on a known path with 404 not_found', async () => {
    const res = await request(sut.url).put('/health');

    expectError(res, 404, 'not_found');
  });

  it('describes the service at GET /, with a link to the playground that is on outside production', async () => {
    const res = await request(sut.url).get('/').expect(200);

    expect(res.body).toEqual({
      message: 'llm-chat-api',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      docs: '/docs',
      playground: '/playground',
    });
  });

  it.each(['/health', '/health/live'])(
    'answers %s with healthy and an ISO timestamp',
    async (path) => {
      const res = await request(sut.url).get(path).expect(200);

      expect(res.body).toEqual({ status: 'healthy', timestamp: expect.any(String) });
      expectIsoUtc(res.body.timestamp);
    },
  );

  it("answers /health/ready with 200 in @nestjs/terminus's shape", async () => {
    const res = await request(sut.url).get('/health/ready').expect(200);

    expect(res.body).toEqual({
      status: 'ok',
      info: expect.objectContaining({ llm: expect.objectContaining({ status: 'up' }) }),
      error: {},
      details: expect.objectContaining({ llm: expect.objectContaining({ status: 'up' }) }),
    });
  });

  it('answers a successful POST /api/v1/chat with 200, not 201', async () => {
    const res = await request(sut.url).post('/api/v1/chat').send({ message: 'status?' });

    expect(res.status).toBe(200);
    expect(res.body.conversation_id).toEqual(expect.any(String));
    expectIsoUtc(res.body.timestamp);
  });

  it('allows any origin by default outside production', async () => {
    const res = await request(sut.url).get('/health').set('Origin', 'https://anyone.example');

    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a CORS preflight for POST /api/v1/chat', async () => {
    const res = await request(sut.url)
      .options('/api/v1/chat')
      .set('Origin', 'https://anyone.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-api-key');

    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
  });

  it("keeps Node's keep-alive (5 s) and whole-request (5 min) timeouts on the HTTP server", () => {
    const server = sut.app.getHttpServer();

    expect(server.keepAliveTimeout).toBe(5000);
    expect(server.requestTimeout).toBe(300_000);
  });

  it('keeps the headers set before an event stream started: CORS, rate limit, request id', async () => {
    const res = await request(sut.url)
      .post('/api/v1/chat/stream')
      .set('Origin', 'https://anyone.example')
      .set('X-Request-ID', 'stream-headers-1')
      .send({ message: 'headers?' });

    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['x-ratelimit-limit']).toBe(ROOMY.RATE_LIMIT_REQUESTS);
    expect(res.headers['x-request-id']).toBe('stream-headers-1');
    expect(res.headers['x-process-time']).toMatch(PROCESS_TIME);
  });

  it('lets a browser read the contract headers', async () => {
    const res = await request(sut.url).get('/health').set('Origin', 'https://anyone.example');

    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
    for (const header of ['x-request-id', 'x-process-time', 'x-conversation-id', 'x-cache']) {
      expect(exposed).toContain(header);
    }
  });
});

describe('CORS with CORS_ORIGINS', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ ...ROOMY, CORS_ORIGINS: 'https://a.example' });
  });
  afterAll(() => sut.close());

  it('echoes an allowed origin', async () => {
    const res = await request(sut.url).get('/health').set('Origin', 'https://a.example');

    expect(res.headers['access-control-allow-origin']).toBe('https://a.example');
    expect(res.headers.vary).toMatch(/origin/i);
  });

  it('gives another origin no Access-Control-Allow-Origin', async () => {
    const res = await request(sut.url).get('/health').set('Origin', 'https://b.example');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS in production without CORS_ORIGINS', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({
      ...ROOMY,
      NODE_ENV: 'production',
      LLM_PROVIDER: 'mock',
      AUTH_DISABLED: 'true',
    });
  });
  afterAll(() => sut.close());

  it('allows no cross-origin caller', async () => {
    const res = await request(sut.url).get('/health').set('Origin', 'https://a.example');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

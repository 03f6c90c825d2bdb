import request from 'supertest';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const PROVIDER_KEY = 'sk-fake-provider-secret-4f9a1c';

/** These tests count provider calls, so neither our own rate limit nor the response cache may interfere. */
function envFor(provider: FakeOpenAiServer, overrides: Record<string, string>) {
  return {
    ...providerEnv(provider.baseUrl),
    OPENAI_API_KEY: PROVIDER_KEY,
    RATE_LIMIT_REQUESTS: '1000',
    ENABLE_CACHE: 'false',
    ...overrides,
  };
}

describe('POST /api/v1/chat when the provider fails (OPENAI_MAX_RETRIES=2)', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(envFor(provider, { OPENAI_MAX_RETRIES: '2' }));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });
  beforeEach(() => provider.reset());

  const chat = (body: Record<string, unknown>) => request(sut.url).post('/api/v1/chat').send(body);

  it("returns 429 upstream_rate_limited after 3 attempts, passing on the provider's Retry-After", async () => {
    provider.enqueue(
      { kind: 'error', status: 429 },
      { kind: 'error', status: 429 },
      { kind: 'error', status: 429, headers: { 'retry-after': '7' } },
    );

    const res = await chat({ message: 'rate limited thrice' });

    expectError(res, 429, 'upstream_rate_limited', { retry_after: 7 });
    expect(res.headers['retry-after']).toBe('7');
    expect(provider.callCount).toBe(3);
  });

  it('passes a provider Retry-After above 10 s on at once instead of waiting for it', async () => {
    provider.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '30' } });

    const res = await chat({ message: 'rate limited for long' });

    expectError(res, 429, 'upstream_rate_limited', { retry_after: 30 });
    expect(res.headers['retry-after']).toBe('30');
    expect(provider.callCount).toBe(1);
  });

  it('answers 200 when the retry after a 429 succeeds', async () => {
    provider.enqueue({ kind: 'error', status: 429 }, { kind: 'reply', content: 'recovered' });

    const res = await chat({ message: 'rate limited once' }).expect(200);

    expect(res.body.message).toBe('recovered');
    expect(provider.callCount).toBe(2);
  });

  it("waits the provider's retry-after-ms before retrying", async () => {
    provider.enqueue(
      { kind: 'error', status: 429, headers: { 'retry-after-ms': '300' } },
      { kind: 'reply', content: 'after the wait' },
    );

    const res = await chat({ message: 'wait for me' }).expect(200);

    expect(res.body.message).toBe('after the wait');
    const [first, second] = provider.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(300);
  });

  it.each([500, 503])(
    'retries a provider %i and then answers 503 upstream_unavailable after 3 attempts',
    async (status) => {
      provider.setDefault({ kind: 'error', status });

      const res = await chat({ message: `failing with ${status}` });

      expectError(res, 503, 'upstream_unavailable');
      expect(provider.callCount).toBe(3);
    },
  );

  it('retries a connection reset and then answers 503 upstream_unavailable', async () => {
    provider.setDefault({ kind: 'reset' });

    const res = await chat({ message: 'reset me' });

    expectError(res, 503, 'upstream_unavailable');
    expect(provider.callCount).toBe(3);
  });

  it('answers 502 upstream_error without retrying when the provider rejects its key, leaking nothing', async () => {
    const providerMessage = `Incorrect API key provided: ${PROVIDER_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    provider.enqueue({
      kind: 'error',
      status: 401,
      body: {
        error: {
          message: providerMessage,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });

    const res = await chat({ message: 'who am I' });

    expectError(res, 502, 'upstream_error');
    expect(provider.callCount).toBe(1);
    const { host } = new URL(provider.baseUrl);
    for (const secret of [PROVIDER_KEY, providerMessage, provider.baseUrl, host]) {
      expect(res.text).not.toContain(secret);
    }
  });

  it('answers 400 context_length_exceeded without retrying when the provider refuses a long prompt', async () => {
    provider.enqueue({
      kind: 'error',
      status: 400,
      body: {
        error: {
          message: "This model's maximum context length is 128000 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    });

    const res = await chat({ message: 'a very long prompt' });

    expectError(res, 400, 'context_length_exceeded');
    expect(provider.callCount).toBe(1);
  });

  it.each([
    ['a body that is not JSON', '<html>Bad gateway</html>'],
    ['JSON that is not a completion', '{"object":"chat.completion"}'],
  ])('answers 502 upstream_error without retrying when a 200 carries %s', async (_, body) => {
    provider.enqueue({ kind: 'garbage', body });

    const res = await chat({ message: 'garbage in' });

    expectError(res, 502, 'upstream_error');
    expect(provider.callCount).toBe(1);
  });

  it("puts the caller's X-Request-ID into an upstream error body", async () => {
    provider.setDefault({ kind: 'error', status: 503 });

    const res = await chat({ message: 'trace me' }).set('X-Request-ID', 'trace-42.a_b');

    expectError(res, 503, 'upstream_unavailable');
    expect(res.body.request_id).toBe('trace-42.a_b');
  });

  it('cancels the provider call and stores no turn when the client disconnects while waiting', async () => {
    const conversationId = '5e1d2c3b-4a59-4687-8a7b-6c5d4e3f2a10';
    provider.enqueue({ kind: 'reply', content: 'too late', delayMs: 10_000 });
    const client = new AbortController();

    const pending = postJson(
      `${sut.url}/api/v1/chat`,
      { message: 'I will not wait', conversation_id: conversationId },
      { signal: client.signal },
    );
    await provider.waitForRequests(1);
    client.abort();

    await expect(pending).rejects.toThrow();
    await provider.waitFor(() => provider.abortCount === 1);
    await request(sut.url).get(`/api/v1/conversations/${conversationId}`).expect(404);
  });
});

describe('POST /api/v1/chat with OPENAI_MAX_RETRIES=0', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(envFor(provider, { OPENAI_MAX_RETRIES: '0' }));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });

  it('makes exactly one attempt before answering 503 upstream_unavailable', async () => {
    provider.setDefault({ kind: 'error', status: 500 });

    const res = await request(sut.url).post('/api/v1/chat').send({ message: 'only once' });

    expectError(res, 503, 'upstream_unavailable');
    expect(provider.callCount).toBe(1);
  });
});

describe('POST /api/v1/chat when the provider does not answer (OPENAI_TIMEOUT=0.3, OPENAI_MAX_RETRIES=1)', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(envFor(provider, { OPENAI_TIMEOUT: '0.3', OPENAI_MAX_RETRIES: '1' }));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });

  it('gives each attempt OPENAI_TIMEOUT, aborts it, and answers 504 upstream_timeout after 2 attempts', async () => {
    provider.setDefault({ kind: 'hang' });
    const startedAt = performance.now();

    const res = await request(sut.url).post('/api/v1/chat').send({ message: 'anyone there?' });

    expectError(res, 504, 'upstream_timeout');
    expect(provider.callCount).toBe(2);
    // Two whole attempts of 300 ms, less a little for the event loop's whole-millisecond timers.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(2 * 300 - 5);
    await provider.waitFor(() => provider.abortCount === 2);
  });
});

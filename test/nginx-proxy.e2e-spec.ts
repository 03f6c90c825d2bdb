import { FakeOpenAiServer } from './support/fake-openai.server';
import { EventReader } from './support/event-reader';
import { NGINX_BINARY, nginxInstalled, startNginx, type NginxProxy } from './support/nginx-proxy';
import { postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ONE_MIB = 1024 * 1024;

// CI (.ci/run) installs nginx; only a workstation without it skips, and says so.
const suite = nginxInstalled() ? describe : describe.skip;
const title = nginxInstalled()
  ? 'docker/nginx/nginx.conf in front of the service'
  : `docker/nginx/nginx.conf in front of the service [SKIPPED: ${NGINX_BINARY} is missing; apt-get install -y nginx]`;

suite(title, () => {
  let provider: FakeOpenAiServer;
  let app: TestApp;
  let sut: NginxProxy;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    app = await startTestApp({
      ...providerEnv(provider.baseUrl),
      TRUST_PROXY: 'true',
      RATE_LIMIT_REQUESTS: '1000',
      RATE_LIMIT_WINDOW: '60',
    });
    sut = await startNginx(app.url);
  }, 30_000);
  afterAll(async () => {
    await sut?.stop();
    await app?.close();
    await provider?.close();
  });
  beforeEach(() => provider.reset());

  it('passes nginx -t', () => {
    expect(sut.configTest).toContain('test is successful');
  });

  it('passes a chat through with the contract body and headers', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'Through the proxy',
      usage: { prompt_tokens: 4, completion_tokens: 3 },
    });

    const res = await postJson(
      `${sut.url}/api/v1/chat`,
      { message: 'hello via nginx' },
      { headers: { 'X-Request-ID': 'through-nginx-1' } },
    );

    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('through-nginx-1');
    expect(res.headers.get('x-cache')).toBe('MISS');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      message: 'Through the proxy',
      conversation_id: expect.stringMatching(UUID),
      model: 'gpt-4o-mini',
      tokens_used: 7,
      prompt_tokens: 4,
      completion_tokens: 3,
      cost_estimate: expect.any(Number),
      finish_reason: 'stop',
      cached: false,
      timestamp: expect.any(String),
    });
    expect(res.headers.get('x-conversation-id')).toBe(body.conversation_id);
  });

  it.each([
    ['/api/v1/chat/stream', {}],
    ['/api/v1/chat', { stream: true }],
  ])(
    'delivers the first event of %s before the provider has finished (no proxy buffering)',
    async (path, extra) => {
      provider.enqueue({
        kind: 'reply',
        content: 'first then the rest',
        chunks: ['first ', 'then the rest'],
        holdAfterChunks: 1,
      });

      const res = await postJson(`${sut.url}${path}`, { message: 'stream it', ...extra });

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = EventReader.of(res);
      expect(await events.next()).toMatchObject({ delta: 'first ', finished: false });
      expect(provider.heldCount).toBe(1);

      provider.release();
      const rest = await events.rest();
      expect(rest.map((event) => event.delta).join('')).toBe('then the rest');
      expect(rest.at(-1)).toMatchObject({ finished: true, model: 'gpt-4o-mini' });
    },
  );

  const oversized = () =>
    fetch(`${sut.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'x'.repeat(ONE_MIB) }),
    });

  it('refuses a body over 1 MiB with 413 without calling the provider', async () => {
    const res = await oversized();

    expect(res.status).toBe(413);
    expect(provider.callCount).toBe(0);
  });

  it("answers nginx's own 413 in the contract's error shape", async () => {
    const res = await oversized();

    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: 'payload_too_large',
      message: expect.any(String),
      request_id: res.headers.get('x-request-id'),
    });
  });

  it('counts requests with different spoofed X-Forwarded-For values against one rate-limit budget', async () => {
    const chatAs = async (forwardedFor: string) => {
      const res = await postJson(
        `${sut.url}/api/v1/chat`,
        { message: 'who am I?' },
        { headers: { 'X-Forwarded-For': forwardedFor } },
      );
      expect(res.status).toBe(200);
      await res.body?.cancel();
      return Number(res.headers.get('x-ratelimit-remaining'));
    };

    const first = await chatAs('203.0.113.7');
    const second = await chatAs('198.51.100.23');
    const third = await chatAs('203.0.113.7, 198.51.100.99');

    expect(first).toBeLessThan(1000);
    expect([second, third]).toEqual([first - 1, first - 2]);
  });

  it('would believe X-Forwarded-For sent straight to the app (so the proxy is what stops spoofing)', async () => {
    const remainingFor = async (forwardedFor: string) => {
      const res = await postJson(
        `${app.url}/api/v1/chat`,
        { message: 'direct' },
        { headers: { 'X-Forwarded-For': forwardedFor } },
      );
      await res.body?.cancel();
      return res.headers.get('x-ratelimit-remaining');
    };

    expect([await remainingFor('192.0.2.1'), await remainingFor('192.0.2.2')]).toEqual([
      '999',
      '999',
    ]);
  });
});

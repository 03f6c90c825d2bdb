import request from 'supertest';
import { ensureBuilt, startChildApp } from './support/child-app';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

const KEY_A = 'key-of-team-a';
const KEY_B = 'key-of-team-b';
const KEYS = `team-a=${KEY_A},team-b=${KEY_B}`;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

function nextUtcMidnight(): string {
  const now = new Date();
  return new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1),
  ).toISOString();
}

/** A service keyed by KEYS in front of a fake provider, for the describe block it is called in. */
function keyedService(env: Record<string, string>) {
  const started = {} as { provider: FakeOpenAiServer; sut: TestApp };
  beforeAll(async () => {
    started.provider = await FakeOpenAiServer.start();
    started.sut = await startTestApp({
      ...providerEnv(started.provider.baseUrl),
      API_KEYS: KEYS,
      ...env,
    });
  });
  afterAll(async () => {
    await started.sut?.close();
    await started.provider?.close();
  });
  return started;
}

describe('per-key limits from KEY_LIMITS', () => {
  const service = keyedService({
    KEY_LIMITS: JSON.stringify({ 'team-a': { requests_per_minute: 2, tokens_per_day: 90 } }),
  });

  it("limits one key's requests per minute without touching another key's", async () => {
    const { sut } = service;
    await request(sut.url).get('/api/v1/models').set(as(KEY_A)).expect(200);
    await request(sut.url).get('/api/v1/models').set(as(KEY_A)).expect(200);
    const third = await request(sut.url).get('/api/v1/models').set(as(KEY_A));
    for (let i = 0; i < 3; i++)
      await request(sut.url).get('/api/v1/models').set(as(KEY_B)).expect(200);

    expectError(third, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
  });
});

describe('a tokens_per_day budget', () => {
  // One turn's worst case is 2 bytes + 16 framing + max_tokens 50 = 68; it spends 30.
  const service = keyedService({
    KEY_LIMITS: JSON.stringify({ 'team-a': { tokens_per_day: 90 } }),
  });

  it('lets the request before it pass and stops the one that would cross it, without calling the provider', async () => {
    const { sut, provider } = service;
    provider.setDefault({
      kind: 'reply',
      content: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 20 },
    });
    const ask = () =>
      request(sut.url).post('/api/v1/chat').set(as(KEY_A)).send({ message: 'hi', max_tokens: 50 });

    await ask().expect(200);
    const refused = await ask();

    expectError(refused, 429, 'budget_exceeded', { retry_after: expect.any(Number) });
    const untilMidnight = (Date.parse(nextUtcMidnight()) - Date.now()) / 1000;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(
      Math.floor(untilMidnight),
    );
    expect(refused.body.retry_after).toBe(Number(refused.headers['retry-after']));
    expect(provider.callCount).toBe(1);
    await request(sut.url)
      .post('/api/v1/chat')
      .set(as(KEY_B))
      .send({ message: 'hi', max_tokens: 50 })
      .expect(200);
  });
});

describe('a usd_per_month budget', () => {
  // At $1 / $2 per 1k tokens a turn's worst case is $0.038 (18 prompt, 10 completion); it spends $0.03.
  const service = keyedService({
    MODEL_PRICING: JSON.stringify({ 'gpt-4o-mini': { input: 1, output: 2 } }),
    KEY_LIMITS: JSON.stringify({ 'team-a': { usd_per_month: 0.05 } }),
  });

  it('stops the request that would cross it until the first of next month', async () => {
    const { sut, provider } = service;
    provider.setDefault({
      kind: 'reply',
      content: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 10 },
    });
    const ask = () =>
      request(sut.url).post('/api/v1/chat').set(as(KEY_A)).send({ message: 'hi', max_tokens: 10 });

    await ask().expect(200);
    const refused = await ask();

    expectError(refused, 429, 'budget_exceeded', { retry_after: expect.any(Number) });
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(refused.body.retry_after).toBeGreaterThanOrEqual(
      Math.floor((nextMonth - Date.now()) / 1000),
    );
    expect(provider.callCount).toBe(1);
  });
});

describe('GET /api/v1/usage', () => {
  const service = keyedService({
    ENABLE_CACHE: 'true',
    MODEL_PRICING: JSON.stringify({ 'gpt-4o-mini': { input: 1, output: 2 } }),
    KEY_LIMITS: JSON.stringify({ 'team-a': { usd_per_month: 50 } }),
  });

  it("sums the provider's usage and the prices, streams included, and counts a cache hit as a request with nothing spent", async () => {
    const { sut, provider } = service;
    provider.enqueue(
      { kind: 'reply', content: 'json', usage: { prompt_tokens: 11, completion_tokens: 7 } },
      {
        kind: 'reply',
        content: 'streamed',
        chunks: ['stream', 'ed'],
        usage: { prompt_tokens: 5, completion_tokens: 3 },
      },
    );
    await request(sut.url)
      .post('/api/v1/chat')
      .set(as(KEY_A))
      .send({ message: 'same' })
      .expect(200);
    const streamed = await postJson(
      `${sut.url}/api/v1/chat/stream`,
      { message: 'stream' },
      { headers: as(KEY_A) },
    );
    await streamed.text();
    const hit = await request(sut.url)
      .post('/api/v1/chat')
      .set(as(KEY_A))
      .send({ message: 'same' })
      .expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');

    const usage = await request(sut.url).get('/api/v1/usage').set(as(KEY_A)).expect(200);

    const spent = {
      requests: 3,
      prompt_tokens: 16,
      completion_tokens: 10,
      usd: expect.closeTo(0.036, 10),
    };
    expect(usage.body).toEqual({
      key: 'team-a',
      day: { ...spent, resets_at: nextUtcMidnight() },
      month: { ...spent, resets_at: expect.stringMatching(/^\d{4}-\d{2}-01T00:00:00\.000Z$/) },
      limits: { requests_per_minute: null, tokens_per_day: null, usd_per_month: 50 },
    });
    const other = await request(sut.url).get('/api/v1/usage').set(as(KEY_B)).expect(200);
    expect(other.body.day.requests).toBe(0);
  });

  it('answers 401 without a key', async () => {
    const { sut } = service;
    expectError(await request(sut.url).get('/api/v1/usage'), 401, 'unauthorized');
  });

  it('gives the key its own token and cost series, by name', async () => {
    const { sut } = service;
    const metrics = await request(sut.url).get('/metrics');

    expect(metrics.text).toMatch(/llm_key_tokens_total\{key="team-a",type="prompt"\} 16/);
    expect(metrics.text).not.toContain(KEY_A);
  });
});

describe('one budget shared by two instances on one Redis', () => {
  let redis: RedisTestServer;
  let provider: FakeOpenAiServer;
  let apps: TestApp[];
  const LIMIT = 200;

  beforeAll(async () => {
    [redis, provider] = await Promise.all([RedisTestServer.start(), FakeOpenAiServer.start()]);
    const env = {
      ...providerEnv(provider.baseUrl),
      API_KEYS: KEYS,
      REDIS_URL: redis.url,
      KEY_LIMITS: JSON.stringify({ 'team-a': { tokens_per_day: LIMIT } }),
    };
    apps = [await startTestApp(env), await startTestApp(env)];
  });
  afterAll(async () => {
    await Promise.all((apps ?? []).map((app) => app.close()));
    await Promise.all([redis?.stop(), provider?.close()]);
  });

  it("never overspends by more than one request's worst case under 20 concurrent requests", async () => {
    provider.setDefault({
      kind: 'reply',
      content: 'x',
      delayMs: 50,
      usage: { prompt_tokens: 10, completion_tokens: 10 },
    });
    const worstCase = Buffer.byteLength('race 10') + 16 + 20;

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(apps[i % 2]!.url)
          .post('/api/v1/chat')
          .set(as(KEY_A))
          .send({ message: `race ${i}`, max_tokens: 20 }),
      ),
    );

    const answered = answers.filter((res) => res.status === 200).length;
    const refused = answers.filter((res) => res.status === 429);
    expect(answered + refused.length).toBe(20);
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) expect(res.body.error).toBe('budget_exceeded');
    expect(answered * 20).toBeLessThanOrEqual(LIMIT + worstCase);
    // The other instance's last settle may reach Redis a moment after this answer.
    await waitUntil('every answer settled in Redis', async () => {
      const usage = await request(apps[0]!.url).get('/api/v1/usage').set(as(KEY_A)).expect(200);
      const { prompt_tokens, completion_tokens } = usage.body.day as Record<string, number>;
      return prompt_tokens! + completion_tokens! === answered * 20 ? true : undefined;
    });
  });
});

describe('logs of a keyed service at LOG_LEVEL=debug', () => {
  it("carry the key's name and never the key", async () => {
    await ensureBuilt();
    const provider = await FakeOpenAiServer.start();
    const sut = await startChildApp({
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      API_KEYS: KEYS,
      OPENAI_API_KEY: 'sk-provider-key-in-debug-0123456789',
      OPENAI_BASE_URL: provider.baseUrl,
    });
    try {
      const answered = await postJson(
        `${sut.url}/api/v1/chat`,
        { message: 'debug me' },
        { headers: as(KEY_A) },
      );
      expect(answered.status).toBe(200);
      const wrong = await postJson(
        `${sut.url}/api/v1/chat`,
        { message: 'x' },
        { headers: as('not-the-key') },
      );
      expect(wrong.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 200));

      const output = sut.stdout() + sut.stderr();
      expect(output).toContain('"client":"team-a"');
      for (const secret of [KEY_A, 'not-the-key', 'sk-provider-key-in-debug-0123456789']) {
        expect(output).not.toContain(secret);
      }
    } finally {
      await sut.stop();
      await provider.close();
    }
  }, 60_000);
});

import { createHash, randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import request from 'supertest';
import { expectError } from './support/error-shape';
import { parseMetrics, valueOf } from './support/prometheus';
import { RedisTestServer } from './support/redis-server';
import { startTestApp, type TestApp } from './support/test-app';

type Headers = Record<string, string>;

const BUDGET = { RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW: '60', TRUST_PROXY: 'true' };
const SKIPPED_PATHS = ['/', '/health', '/health/live', '/health/ready', '/metrics'];

function chat(app: TestApp, headers: Headers = {}, path = '/api/v1/chat') {
  return request(app.url).post(path).set(headers).send({ message: 'hi' });
}

/** A counted /api/v1 request that asks no provider: an unknown conversation is a 404. */
function conversation(app: TestApp, headers: Headers = {}) {
  return request(app.url).get(`/api/v1/conversations/${randomUUID()}`).set(headers);
}

let clients = 0;
/** A client address no other test used, so each test starts with a full budget. */
const aClient = (): Headers => ({ 'X-Forwarded-For': `203.0.113.${++clients}` });

async function spendBudget(app: TestApp, headers: Headers): Promise<void> {
  for (let i = 0; i < 3; i++) await conversation(app, headers).expect(404);
}

describe('Rate limit through the app (ClientThrottlerGuard)', () => {
  describe('for anonymous clients, by IP (3 requests per 60 s)', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp(BUDGET);
    });
    afterAll(() => sut?.close());

    it('sets X-RateLimit-Limit, -Remaining and -Reset on each allowed request', async () => {
      const client = aClient();

      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await conversation(sut, client).expect(404));

      expect(responses.map((res) => res.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0']);
      for (const res of responses) {
        expect(res.headers['x-ratelimit-limit']).toBe('3');
        const reset = Number(res.headers['x-ratelimit-reset']);
        expect(Number.isInteger(reset)).toBe(true);
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
      }
    });

    it("answers 429 rate_limit_exceeded in the contract's shape, Retry-After equal to retry_after", async () => {
      const client = aClient();
      await spendBudget(sut, client);

      const res = await chat(sut, client);

      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expectError(res, 429, 'rate_limit_exceeded', { retry_after: retryAfter });
    });

    it('answers a refused stream request with the same JSON 429, not an event stream', async () => {
      const client = aClient();
      await spendBudget(sut, client);

      const res = await chat(sut, client, '/api/v1/chat/stream');

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });

    it('counts one budget across every /api/v1 route', async () => {
      const client = aClient();
      await conversation(sut, client).expect(404);
      await chat(sut, client).expect(200);
      await conversation(sut, client).expect(404);

      const res = await chat(sut, client);

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });

    it('gives a client at another address its own budget', async () => {
      const exhausted = aClient();
      await spendBudget(sut, exhausted);

      const res = await conversation(sut, aClient()).expect(404);

      expect(res.headers['x-ratelimit-remaining']).toBe('2');
      await conversation(sut, exhausted).expect(429);
    });

    it('counts the addresses of one IPv6 /64 as one client', async () => {
      await spendBudget(sut, { 'X-Forwarded-For': '2001:db8:7:1::1' });

      const res = await conversation(sut, { 'X-Forwarded-For': '2001:db8:7:1::2' });

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });

    it.each(SKIPPED_PATHS)('never limits nor counts %s', async (path) => {
      const exhausted = aClient();
      await spendBudget(sut, exhausted);
      const fresh = aClient();

      const responses = [];
      for (let i = 0; i < 5; i++) {
        responses.push(await request(sut.url).get(path).set(exhausted));
        responses.push(await request(sut.url).get(path).set(fresh));
      }

      expect(responses.map((res) => res.status)).toEqual(Array<number>(10).fill(200));
      for (const res of responses) expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
      const counted = await conversation(sut, fresh).expect(404);
      expect(counted.headers['x-ratelimit-remaining']).toBe('2');
    });

    it('counts each refusal in rate_limited_total', async () => {
      const scrape = async () => parseMetrics((await request(sut.url).get('/metrics')).text);
      const before = valueOf(await scrape(), 'rate_limited_total');
      const client = aClient();
      await spendBudget(sut, client);

      await conversation(sut, client).expect(429);
      await chat(sut, client).expect(429);

      expect(valueOf(await scrape(), 'rate_limited_total')).toBe(before + 2);
    });
  });

  describe('for API keys (3 requests per 60 s)', () => {
    const keyOne = { Authorization: 'Bearer guard-key-one' };
    const keyTwo = { Authorization: 'Bearer guard-key-two' };
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp({ ...BUDGET, API_KEYS: 'guard-key-one,guard-key-two' });
    });
    afterAll(() => sut?.close());

    it('gives each API key its own budget, even from one address', async () => {
      const address = aClient();
      await spendBudget(sut, { ...address, ...keyOne });

      const other = await conversation(sut, { ...address, ...keyTwo }).expect(404);

      expect(other.headers['x-ratelimit-remaining']).toBe('2');
      await conversation(sut, { ...address, ...keyOne }).expect(429);
    });

    it('follows the key across addresses', async () => {
      await conversation(sut, { ...aClient(), ...keyTwo });
      await conversation(sut, { ...aClient(), ...keyTwo });
      await conversation(sut, { ...aClient(), ...keyTwo });

      const res = await conversation(sut, { ...aClient(), ...keyTwo });

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });
  });

  describe('with Redis', () => {
    const KEY = 'guard-redis-key';
    let redis: RedisTestServer;
    let inspector: RedisClientType;
    let sut: TestApp;

    beforeAll(async () => {
      redis = await RedisTestServer.start();
      inspector = createClient({ url: redis.url });
      await inspector.connect();
      sut = await startTestApp({ ...BUDGET, REDIS_URL: redis.url, API_KEYS: KEY });
    });
    afterAll(async () => {
      await sut?.close();
      inspector?.destroy();
      await redis?.stop();
    });

    it("keeps a key's count in Redis under the key's id, hash-tagged, never under the key itself", async () => {
      const keyId = createHash('sha256').update(KEY).digest('hex').slice(0, 16);

      await conversation(sut, { Authorization: `Bearer ${KEY}` }).expect(404);

      const keys = await inspector.keys('*');
      expect(keys).toEqual([`llmchat:ratelimit:{default:key:${keyId}}`]);
      expect(await inspector.get(keys[0]!)).toBe('1');
    });
  });
});

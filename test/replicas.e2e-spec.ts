import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

type Headers = Record<string, string>;

/** Two replicas of the service sharing one Redis, as a load balancer would see them. */
async function startReplicas(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const first = await startTestApp(env);
  try {
    return [first, await startTestApp(env)];
  } catch (error) {
    await first.close();
    throw error;
  }
}

async function closeAll(apps: readonly (TestApp | undefined)[]): Promise<void> {
  await Promise.all(apps.map(async (app) => app?.close()));
}

function chat(app: TestApp, body: Record<string, unknown>, headers: Headers = {}) {
  return request(app.url).post('/api/v1/chat').set(headers).send(body);
}

function conversation(app: TestApp, id: string, headers: Headers = {}) {
  return request(app.url).get(`/api/v1/conversations/${id}`).set(headers);
}

let clients = 0;
/** A client address no other test used, so each test starts with a full budget. */
const aClientIp = () => `203.0.113.${++clients}`;

describe('Two replicas sharing one Redis', () => {
  let redis: RedisTestServer;
  let provider: FakeOpenAiServer;

  beforeAll(async () => {
    [redis, provider] = await Promise.all([RedisTestServer.start(), FakeOpenAiServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), provider?.close()]);
  });
  beforeEach(() => provider.reset());

  describe('rate limit per client IP (RATE_LIMIT_REQUESTS=5 per 60 s, TRUST_PROXY=true)', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      [a, b] = await startReplicas({
        ...providerEnv(provider.baseUrl),
        REDIS_URL: redis.url,
        TRUST_PROXY: 'true',
        RATE_LIMIT_REQUESTS: '5',
        RATE_LIMIT_WINDOW: '60',
      });
    });
    afterAll(() => closeAll([a, b]));

    it('lets exactly 5 requests through across both replicas, then answers 429 with Retry-After on either', async () => {
      const client = { 'X-Forwarded-For': aClientIp() };
      for (const app of [a, a, a, b, b]) await chat(app, { message: 'hi' }, client).expect(200);

      const onA = await chat(a, { message: 'hi' }, client);
      const onB = await chat(b, { message: 'hi' }, client);

      for (const res of [onA, onB]) {
        const retryAfter = Number(res.headers['retry-after']);
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expectError(res, 429, 'rate_limit_exceeded', { retry_after: retryAfter });
      }
      expect(provider.callCount).toBe(5);
    });

    it('counts X-RateLimit-Remaining down across replicas, with the limit and the window reset', async () => {
      const client = { 'X-Forwarded-For': aClientIp() };

      const responses = [];
      for (const app of [a, b, a, b, a]) responses.push(await chat(app, { message: 'hi' }, client));

      expect(responses.map((res) => res.headers['x-ratelimit-remaining'])).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
      ]);
      for (const res of responses) {
        expect(res.headers['x-ratelimit-limit']).toBe('5');
        const reset = Number(res.headers['x-ratelimit-reset']);
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
      }
    });

    it('gives a client with a different X-Forwarded-For address its own budget', async () => {
      const exhausted = { 'X-Forwarded-For': aClientIp() };
      for (const app of [a, b, a, b, a]) await chat(app, { message: 'hi' }, exhausted).expect(200);
      await chat(b, { message: 'hi' }, exhausted).expect(429);

      const other = { 'X-Forwarded-For': aClientIp() };
      const res = await chat(b, { message: 'hi' }, other).expect(200);

      expect(res.headers['x-ratelimit-remaining']).toBe('4');
      await chat(a, { message: 'hi' }, exhausted).expect(429);
    });

    it('counts every /api/v1 route, not only chat', async () => {
      const client = { 'X-Forwarded-For': aClientIp() };
      for (const app of [a, b, a, b, a]) await conversation(app, randomUUID(), client).expect(404);

      const res = await chat(b, { message: 'hi' }, client);

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });
  });

  describe('rate limit per API key (RATE_LIMIT_REQUESTS=2)', () => {
    const keyOne = { Authorization: 'Bearer replica-key-one' };
    const keyTwo = { Authorization: 'Bearer replica-key-two' };
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      [a, b] = await startReplicas({
        ...providerEnv(provider.baseUrl),
        REDIS_URL: redis.url,
        API_KEYS: 'replica-key-one,replica-key-two',
        RATE_LIMIT_REQUESTS: '2',
        RATE_LIMIT_WINDOW: '60',
      });
    });
    afterAll(() => closeAll([a, b]));

    /** Spends what is left of the key's budget in this window, however much that is. */
    async function exhaustBudget(key: Headers): Promise<void> {
      for (let i = 0; i < 3; i++) {
        const res = await conversation(a, randomUUID(), key);
        if (res.status === 429) return;
      }
      throw new Error('a budget of 2 requests was not spent after 3 requests');
    }

    it('gives each API key its own budget, shared by both replicas', async () => {
      await chat(a, { message: 'hi' }, keyOne).expect(200);
      await chat(b, { message: 'hi' }, keyOne).expect(200);
      const limited = await chat(a, { message: 'hi' }, keyOne);

      const other = [
        await chat(b, { message: 'hi' }, keyTwo),
        await chat(a, { message: 'hi' }, keyTwo),
      ];

      expectError(limited, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
      expect(other.map((res) => res.status)).toEqual([200, 200]);
      expect(other.map((res) => res.headers['x-ratelimit-remaining'])).toEqual(['1', '0']);
      await chat(b, { message: 'hi' }, keyTwo).expect(429);
    });

    it.each(['/health', '/health/live', '/health/ready', '/'])(
      'never limits %s, even for a client over its budget',
      async (path) => {
        await exhaustBudget(keyOne);

        const responses = [];
        for (let i = 0; i < 20; i++) {
          responses.push(
            await request((i % 2 === 0 ? a : b).url)
              .get(path)
              .set(keyOne),
          );
        }

        expect(responses.map((res) => res.status)).toEqual(Array<number>(20).fill(200));
        for (const res of responses) expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
        await chat(b, { message: 'hi' }, keyOne).expect(429);
      },
    );
  });

  describe('cache and conversations (ENABLE_CACHE=true)', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      [a, b] = await startReplicas({
        ...providerEnv(provider.baseUrl),
        REDIS_URL: redis.url,
        ENABLE_CACHE: 'true',
        CONVERSATION_MAX_MESSAGES: '100',
      });
    });
    afterAll(() => closeAll([a, b]));

    it('answers on one replica from what the other cached, and records the turn there', async () => {
      provider.enqueue({ kind: 'reply', content: 'Shared across replicas.' });
      const message = `Cached across replicas ${randomUUID()}`;

      const miss = await chat(a, { message }).expect(200);
      const hit = await chat(b, { message }).expect(200);

      expect(miss.headers['x-cache']).toBe('MISS');
      expect(miss.body.cached).toBe(false);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body).toMatchObject({
        message: 'Shared across replicas.',
        cached: true,
        cost_estimate: 0,
      });
      expect(provider.callCount).toBe(1);
      const stored = await conversation(b, hit.body.conversation_id as string).expect(200);
      expect(stored.body.messages).toEqual([
        { role: 'user', content: message, timestamp: expect.any(String) },
        { role: 'assistant', content: 'Shared across replicas.', timestamp: expect.any(String) },
      ]);
    });

    it('continues one conversation across both replicas, sending every earlier turn in order', async () => {
      provider.enqueue(
        { kind: 'reply', content: 'A1' },
        { kind: 'reply', content: 'A2' },
        { kind: 'reply', content: 'A3' },
      );
      const first = await chat(a, { message: 'Q1', system_prompt: 'Be brief.' }).expect(200);
      const id = first.body.conversation_id as string;

      await chat(b, { message: 'Q2', conversation_id: id }).expect(200);
      await chat(a, { message: 'Q3', conversation_id: id }).expect(200);

      expect(provider.requests[2]?.body.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
        { role: 'assistant', content: 'A2' },
        { role: 'user', content: 'Q3' },
      ]);
      const fromB = await conversation(b, id).expect(200);
      expect(fromB.body.messages.map((m: { content: string }) => m.content)).toEqual([
        'Q1',
        'A1',
        'Q2',
        'A2',
        'Q3',
        'A3',
      ]);
      expect((await conversation(a, id).expect(200)).body).toEqual(fromB.body);
    });

    it('stores all of 20 concurrent turns on one conversation spread over both replicas', async () => {
      const id = randomUUID();
      const questions = Array.from({ length: 20 }, (_, i) => `Concurrent question ${i}`);

      const responses = await Promise.all(
        questions.map((message, i) => chat(i % 2 === 0 ? a : b, { message, conversation_id: id })),
      );

      expect(responses.map((res) => res.status)).toEqual(Array<number>(20).fill(200));
      const stored = await conversation(a, id).expect(200);
      const messages = stored.body.messages as { role: string; content: string }[];
      expect(messages).toHaveLength(40);
      for (let i = 0; i < 40; i += 2) {
        const [question, answer] = [messages[i], messages[i + 1]];
        expect(question?.role).toBe('user');
        expect(answer).toMatchObject({ role: 'assistant', content: `echo: ${question?.content}` });
      }
      expect(
        messages
          .filter((m) => m.role === 'user')
          .map((m) => m.content)
          .sort(),
      ).toEqual([...questions].sort());
    });
  });
});

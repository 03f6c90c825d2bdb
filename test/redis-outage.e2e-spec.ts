import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import request from 'supertest';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { parseSse } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

type Headers = Record<string, string>;

const RECOVERY_TIMEOUT_MS = 8_000;

let clients = 0;
/** Each test is its own client, with its own budget of RATE_LIMIT_REQUESTS. */
const aClient = (): Headers => ({ 'X-Forwarded-For': `198.51.100.${++clients}` });

function chat(app: TestApp, body: Record<string, unknown>, client: Headers) {
  return request(app.url).post('/api/v1/chat').set(client).send(body);
}

function streamChat(app: TestApp, body: Record<string, unknown>, client: Headers) {
  return request(app.url)
    .post('/api/v1/chat/stream')
    .set(client)
    .send(body)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
}

async function readinessWithin(app: TestApp, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app.url).get('/health/ready');
    if (res.status === status) return;
    if (Date.now() > deadline) {
      throw new Error(`/health/ready still ${res.status} after ${timeoutMs} ms, wanted ${status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Redis outage and recovery', () => {
  let redis: RedisTestServer;
  let provider: FakeOpenAiServer;
  let sut: TestApp;
  let env: Record<string, string>;
  let conversationBeforeOutage: string;

  beforeAll(async () => {
    [redis, provider] = await Promise.all([RedisTestServer.start(), FakeOpenAiServer.start()]);
    env = {
      ...providerEnv(provider.baseUrl),
      REDIS_URL: redis.url,
      ENABLE_CACHE: 'true',
      TRUST_PROXY: 'true',
      RATE_LIMIT_REQUESTS: '3',
      RATE_LIMIT_WINDOW: '60',
    };
    sut = await startTestApp(env);
    await readinessWithin(sut, 200, RECOVERY_TIMEOUT_MS);
    const first = await chat(sut, { message: 'Before the outage' }, aClient()).expect(200);
    conversationBeforeOutage = first.body.conversation_id as string;
  });
  afterAll(async () => {
    await sut?.close();
    await Promise.all([redis?.stop(), provider?.close()]);
  });
  beforeEach(() => provider.reset());

  describe('while Redis is down', () => {
    beforeAll(async () => {
      await redis.stop();
    });

    it('answers a new chat at once, saying the history was not saved', async () => {
      const startedAt = Date.now();

      const res = await chat(sut, { message: `New during outage ${randomUUID()}` }, aClient());

      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(res.status).toBe(200);
      expect(res.headers['x-history-saved']).toBe('false');
      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.body.message).toMatch(/^echo: New during outage/);
    });

    it('answers 503 store_unavailable when a request continues a conversation, without asking the provider', async () => {
      const res = await chat(
        sut,
        { message: 'And then?', conversation_id: conversationBeforeOutage },
        aClient(),
      );

      expectError(res, 503, 'store_unavailable');
      expect(provider.callCount).toBe(0);
    });

    it('answers 503 store_unavailable to reading a conversation', async () => {
      const res = await request(sut.url)
        .get(`/api/v1/conversations/${conversationBeforeOutage}`)
        .set(aClient());

      expectError(res, 503, 'store_unavailable');
    });

    it('stays live but not ready, naming redis as the failed check', async () => {
      await request(sut.url).get('/health/live').expect(200);

      const ready = await request(sut.url).get('/health/ready').expect(503);

      expect(ready.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      expect(ready.body.info).toMatchObject({ llm: { status: 'up' } });
    });

    it("still limits each client, counting in this replica's memory", async () => {
      const client = aClient();
      for (let i = 0; i < 3; i++) await chat(sut, { message: `limited ${i}` }, client).expect(200);

      const res = await chat(sut, { message: 'one too many' }, client);

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
      expect(Number(res.headers['retry-after'])).toBe(res.body.retry_after);
    });

    it('ends a stream with history_saved: false on its last event', async () => {
      const res = await streamChat(sut, { message: 'Stream during outage' }, aClient()).expect(200);

      const events = parseSse(res.body as string);
      expect(events.at(-1)).toMatchObject({ finished: true, history_saved: false });
      expect(events.at(-1)?.error).toBeUndefined();
      for (const event of events.slice(0, -1)) expect(event).not.toHaveProperty('history_saved');
    });
  });

  describe('once Redis is back on the same port', () => {
    let other: TestApp | undefined;
    let inspector: RedisClientType | undefined;

    beforeAll(async () => {
      await redis.restart();
      await readinessWithin(sut, 200, RECOVERY_TIMEOUT_MS);
    });
    afterAll(async () => {
      inspector?.destroy();
      await other?.close();
    });

    it('saves conversations again', async () => {
      const client = aClient();
      const first = await chat(sut, { message: 'After recovery' }, client).expect(200);
      const id = first.body.conversation_id as string;

      const second = await chat(sut, { message: 'Still there?', conversation_id: id }, client);

      expect(first.headers['x-history-saved']).toBeUndefined();
      expect(second.status).toBe(200);
      expect(second.headers['x-history-saved']).toBeUndefined();
      const stored = await request(sut.url).get(`/api/v1/conversations/${id}`).set(client);
      expect(stored.status).toBe(200);
      expect(stored.body.messages.map((m: { content: string }) => m.content)).toEqual([
        'After recovery',
        'echo: After recovery',
        'Still there?',
        'echo: Still there?',
      ]);
    });

    it('shares cached answers with another replica through Redis again', async () => {
      other = await startTestApp(env);
      const message = `Cached after recovery ${randomUUID()}`;

      const miss = await chat(sut, { message }, aClient()).expect(200);
      const hit = await chat(other, { message }, aClient()).expect(200);

      expect(miss.headers['x-cache']).toBe('MISS');
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body.message).toBe(miss.body.message);
      expect(provider.callCount).toBe(1);
    });

    it('counts rate limits in Redis again, shared with another replica', async () => {
      other ??= await startTestApp(env);
      inspector = createClient({ url: redis.url });
      await inspector.connect();
      const client = aClient();

      await chat(sut, { message: 'shared 1' }, client).expect(200);
      await chat(other, { message: 'shared 2' }, client).expect(200);
      await chat(sut, { message: 'shared 3' }, client).expect(200);
      const fourth = await chat(other, { message: 'shared 4' }, client);

      expectError(fourth, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
      const keys = await inspector.keys('llmchat:ratelimit:*');
      expect(keys).toContain(`llmchat:ratelimit:{default:ip:${client['X-Forwarded-For']}}`);
    });
  });
});

import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ensureBuilt, freePort, startChildApp, type ChildApp } from './support/child-app';
import { expectError, expectValidationError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { TcpTap, type TappedChunk } from './support/tcp-tap';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const KEY_ONE = 'read-ahead-key-one';
const KEY_TWO = 'read-ahead-key-two';

// The count names its window by a key whose shape replicas of every version share.
const RATE_LIMIT_COUNT = /\$\d+\r\n[^\r]*ratelimit:default:key:/;
const CACHE_READ = /\$3\r\nget\r\n\$\d+\r\n[^\r]*cache:/i;

/** What the client wrote in each round trip: everything it sent before the next reply. */
function roundTrips(chunks: readonly TappedChunk[]): string[] {
  const trips: string[] = [];
  let sending = false;
  for (const { from, text } of chunks) {
    if (from === 'client' && !sending) trips.push('');
    if (from === 'client') trips[trips.length - 1] += text;
    sending = from === 'client';
  }
  return trips;
}

function firstRoundTrip(chunks: readonly TappedChunk[]): string {
  return roundTrips(chunks)[0] ?? '';
}

function cacheReadsIn(chunks: readonly TappedChunk[]): number {
  return roundTrips(chunks).reduce(
    (reads, trip) => reads + [...trip.matchAll(new RegExp(CACHE_READ, 'gi'))].length,
    0,
  );
}

/** The hash-tagged key every Redis command on this conversation names. */
const conversationKey = (id: string) => `{conv:${id}}`;

describe("One Redis round trip for the rate-limit count and a chat request's first read", () => {
  let redis: RedisTestServer;
  let provider: FakeOpenAiServer;
  let tap: TcpTap;
  // `writer` fills the shared cache; `tapped` reaches the same Redis through the tap and,
  // never having answered these questions, holds none of them in its own memory.
  let writer: TestApp;
  let tapped: TestApp;

  beforeAll(async () => {
    [redis, provider] = await Promise.all([RedisTestServer.start(), FakeOpenAiServer.start()]);
    tap = await TcpTap.start(redis.port);
    const env = {
      ...providerEnv(provider.baseUrl),
      API_KEYS: `${KEY_ONE},${KEY_TWO}`,
      ENABLE_CACHE: 'true',
      RATE_LIMIT_REQUESTS: '1000',
    };
    writer = await startTestApp({ ...env, REDIS_URL: redis.url });
    tapped = await startTestApp({ ...env, REDIS_URL: `redis://127.0.0.1:${tap.port}` });
    // The first use of a script on a connection may load it: not the steady state.
    const warmUp = await chat(tapped, { message: 'warm-up' }).expect(200);
    await chat(tapped, { message: 'again', conversation_id: warmUp.body.conversation_id }).expect(
      200,
    );
  });
  afterAll(async () => {
    await Promise.all([writer?.close(), tapped?.close()]);
    await Promise.all([tap?.close(), redis?.stop(), provider?.close()]);
  });
  beforeEach(() => {
    provider.reset();
    tap.clear();
  });

  function chat(app: TestApp, body: Record<string, unknown>, key = KEY_ONE, path = '/api/v1/chat') {
    return request(app.url).post(path).set('Authorization', `Bearer ${key}`).send(body);
  }

  /** A conversation of one turn, started on `tapped`; the tap is cleared after it. */
  async function startedConversation(): Promise<string> {
    provider.enqueue({ kind: 'reply', content: 'First turn.' });
    const first = await chat(tapped, { message: `Turn one ${randomUUID()}` }).expect(200);
    provider.reset();
    tap.clear();
    return first.body.conversation_id as string;
  }

  /** A question asked and cached through `writer`, so only the shared tier has it. */
  async function cachedQuestion(answer: string): Promise<string> {
    const message = `Read ahead ${randomUUID()}`;
    provider.enqueue({ kind: 'reply', content: answer });
    await chat(writer, { message }).expect(200);
    provider.reset();
    tap.clear();
    return message;
  }

  describe('a first turn: the shared-cache entry', () => {
    it('answers a hit with the cache read sent with the rate-limit count, before any reply, and read once', async () => {
      const message = await cachedQuestion('From the shared cache.');

      const res = await chat(tapped, { message }).expect(200);

      expect(res.headers['x-cache']).toBe('HIT');
      expect(res.body).toMatchObject({ message: 'From the shared cache.', cached: true });
      expect(provider.callCount).toBe(0);
      const sentBeforeAnyReply = firstRoundTrip(tap.chunks);
      expect(sentBeforeAnyReply).toMatch(RATE_LIMIT_COUNT);
      expect(sentBeforeAnyReply).toMatch(CACHE_READ);
      expect(cacheReadsIn(tap.chunks)).toBe(1);
    });

    it('takes a miss from the same read: no second lookup, one provider call, the answer stored', async () => {
      provider.enqueue({ kind: 'reply', content: 'Freshly computed.' });

      const res = await chat(tapped, { message: `Never asked ${randomUUID()}` }).expect(200);

      expect(res.headers['x-cache']).toBe('MISS');
      expect(provider.callCount).toBe(1);
      expect(firstRoundTrip(tap.chunks)).toMatch(CACHE_READ);
      expect(cacheReadsIn(tap.chunks)).toBe(1);
      const stored = tap.chunks.filter(
        ({ from, text }) => from === 'client' && /cache:/.test(text),
      );
      expect(stored.map(({ text }) => /\r\nset\r\n/i.test(text))).toEqual([false, true]);
    });

    it('reads nothing from Redis for an answer this replica holds in memory', async () => {
      const message = `Asked twice ${randomUUID()}`;
      provider.enqueue({ kind: 'reply', content: 'Kept in memory.' });
      await chat(tapped, { message }).expect(200);
      tap.clear();

      const res = await chat(tapped, { message }).expect(200);

      expect(res.headers['x-cache']).toBe('HIT');
      expect(firstRoundTrip(tap.chunks)).toMatch(RATE_LIMIT_COUNT);
      expect(cacheReadsIn(tap.chunks)).toBe(0);
    });

    it('looks the validated request up again when validation changed it (a trimmed message)', async () => {
      const message = await cachedQuestion('Trimmed before lookup.');

      const res = await chat(tapped, { message: `  ${message}\n` }).expect(200);

      expect(res.headers['x-cache']).toBe('HIT');
      expect(res.body.message).toBe('Trimmed before lookup.');
      expect(provider.callCount).toBe(0);
      expect(cacheReadsIn(tap.chunks)).toBe(2);
    });

    it('hashes no body over 32 KiB before validation: its lookup waits for the validated request', async () => {
      const message = await cachedQuestion('Padded, then trimmed.');

      const res = await chat(tapped, { message: `${message}${' '.repeat(40_000)}` }).expect(200);

      expect(res.headers['x-cache']).toBe('HIT');
      expect(firstRoundTrip(tap.chunks)).not.toMatch(CACHE_READ);
      expect(cacheReadsIn(tap.chunks)).toBe(1);
    });

    it("reads another API key's entry for nobody: the same question under a second key is a miss", async () => {
      const message = await cachedQuestion('Only for key one.');
      provider.enqueue({ kind: 'reply', content: 'For key two.' });

      const res = await chat(tapped, { message }, KEY_TWO).expect(200);

      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.body.message).toBe('For key two.');
      expect(provider.callCount).toBe(1);
    });

    it('reads nothing ahead for a stream, which the cache never answers', async () => {
      provider.enqueue({ kind: 'reply', content: 'Not cached.', chunks: ['Not', ' cached.'] });

      const res = await chat(tapped, { message: `Streamed ${randomUUID()}`, stream: true }).expect(
        200,
      );

      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(firstRoundTrip(tap.chunks)).toMatch(RATE_LIMIT_COUNT);
      expect(cacheReadsIn(tap.chunks)).toBe(0);
    });

    it('still refuses an invalid body in the contract shape after reading ahead for it', async () => {
      const res = await chat(tapped, { message: 'Hot?', temperature: 'hot' }).expect(422);

      expectValidationError(res, 'temperature');
      expect(provider.callCount).toBe(0);
    });

    it('reads ahead for a body of any JSON types without failing: validation answers it', async () => {
      const res = await chat(tapped, {
        message: { text: 'Hi' },
        model: 42,
        temperature: [0.5],
        max_tokens: 'many',
        system_prompt: false,
      }).expect(422);

      expectValidationError(res, 'message', 'model', 'temperature', 'max_tokens', 'system_prompt');
      expect(provider.callCount).toBe(0);
    });
  });

  describe('a later turn (conversation_id): the history', () => {
    it('reads the history with the count; the cache lookup, which needs it, follows', async () => {
      const id = await startedConversation();
      provider.enqueue({ kind: 'reply', content: 'Next.' });

      const res = await chat(tapped, { message: 'Turn two', conversation_id: id }).expect(200);

      expect(res.body.message).toBe('Next.');
      expect(provider.requests[0]?.body.messages).toHaveLength(3);
      const trips = roundTrips(tap.chunks);
      expect(trips[0]).toMatch(RATE_LIMIT_COUNT);
      expect(trips[0]).toContain(conversationKey(id));
      expect(trips[0]).not.toMatch(CACHE_READ);
      expect(cacheReadsIn(tap.chunks)).toBe(1);
      // The read, then the append of the new turn: never a second read.
      expect(trips.filter((trip) => trip.includes(conversationKey(id)))).toHaveLength(2);
    });

    it('reads the history with the count on the stream route too', async () => {
      const id = await startedConversation();
      provider.enqueue({
        kind: 'reply',
        content: 'Streamed next.',
        chunks: ['Streamed', ' next.'],
      });

      const res = await chat(
        tapped,
        { message: 'Turn two', conversation_id: id },
        KEY_ONE,
        '/api/v1/chat/stream',
      ).expect(200);

      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(provider.requests[0]?.body.messages).toHaveLength(3);
      expect(firstRoundTrip(tap.chunks)).toMatch(RATE_LIMIT_COUNT);
      expect(firstRoundTrip(tap.chunks)).toContain(conversationKey(id));
      expect(cacheReadsIn(tap.chunks)).toBe(0);
    });

    it("still hides another key's conversation: the history read ahead is checked for its owner", async () => {
      const id = await startedConversation();

      const res = await chat(tapped, { message: 'Not mine', conversation_id: id }, KEY_TWO).expect(
        404,
      );

      expectError(res, 404, 'not_found');
      expect(firstRoundTrip(tap.chunks)).toContain(conversationKey(id));
      expect(provider.callCount).toBe(0);
    });

    it('reads nothing for a conversation_id that cannot pass validation', async () => {
      const res = await chat(tapped, {
        message: 'Which?',
        conversation_id: 'x'.repeat(5000),
      }).expect(422);

      expectValidationError(res, 'conversation_id');
      expect(tap.chunks.map(({ text }) => text).join('')).not.toContain('{conv:');
    });
  });
});

describe('A history read nobody takes, while Redis is away', () => {
  let sut: ChildApp | undefined;

  beforeAll(() => ensureBuilt(), 90_000);
  afterAll(() => sut?.stop());

  it('fails no process: a turn refused by the rate limit leaves its failed read unawaited', async () => {
    sut = await startChildApp({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_REQUESTS: '1',
      LOG_LEVEL: 'silent',
    });
    const turn = () =>
      fetch(`${sut?.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Hello?', conversation_id: randomUUID() }),
      });

    expect((await turn()).status).toBe(503);
    expect((await turn()).status).toBe(429);
    // An unhandled rejection would end the process on the next turn of its event loop.
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect((await fetch(`${sut.url}/health/live`)).status).toBe(200);
    expect(await Promise.race([sut.exited, Promise.resolve('running')])).toBe('running');
  });
});

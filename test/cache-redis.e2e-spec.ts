import { getLoggerToken } from 'nestjs-pino';
import request from 'supertest';
import { CacheRedisConnection } from '../src/cache/cache-redis.connection';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

const PREFIX = 'cache-redis-test:';
/** Conversations × turns whose ~4.5 kB answers (about 1.8 MB) overflow the cache Redis's 2 MB. */
const CONVERSATIONS = 40;
/** Every turn is kept (CONVERSATION_MAX_MESSAGES), so a lost message cannot hide behind trimming. */
const TURNS = 10;
const MESSAGE_LENGTH = 4500;

interface StoredMessage {
  role: string;
  content: string;
}

/** A distinct user message of MESSAGE_LENGTH characters, nothing to trim; the fake provider echoes it back. */
const aLongMessage = (conversation: number, turn: number) =>
  `Conversation ${conversation}, turn ${turn}: `.padEnd(MESSAGE_LENGTH - 1, 'lorem ipsum ') + '.';

function chat(app: TestApp, message: string, conversationId?: string) {
  return request(app.url)
    .post('/api/v1/chat')
    .send({ message, conversation_id: conversationId })
    .expect(200);
}

/** Keys matching `pattern`, one per line of redis-cli's answer. */
async function keysOf(server: RedisTestServer, pattern: string): Promise<string[]> {
  return (await server.cli('--scan', '--pattern', pattern)).split('\n').filter(Boolean);
}

async function evictedKeys(server: RedisTestServer): Promise<number> {
  const stats = await server.cli('info', 'stats');
  return Number(/^evicted_keys:(\d+)/m.exec(stats)?.[1]);
}

describe('Response cache on its own Redis (CACHE_REDIS_URL)', () => {
  /** What the cache connection logged: `warn <reason>` or `info <message>`. */
  const logged: string[] = [];
  const cacheLogger = {
    warn: ({ reason }: { reason?: string }) => logged.push(`warn ${reason}`),
    info: (message: string) => logged.push(`info ${message}`),
  };
  let provider: FakeOpenAiServer;
  let state: RedisTestServer;
  let cache: RedisTestServer;
  let sut: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    [provider, state, cache] = await Promise.all([
      FakeOpenAiServer.start(),
      RedisTestServer.start({ args: ['--maxmemory-policy', 'noeviction'] }),
      RedisTestServer.start({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru'] }),
    ]);
    const env = {
      ...providerEnv(provider.baseUrl),
      ENABLE_CACHE: 'true',
      REDIS_URL: state.url,
      CACHE_REDIS_URL: cache.url,
      REDIS_KEY_PREFIX: PREFIX,
      CONVERSATION_MAX_MESSAGES: String(2 * TURNS),
    };
    [sut, replica] = await Promise.all([
      startTestApp(env, (builder) =>
        builder.overrideProvider(getLoggerToken(CacheRedisConnection.name)).useValue(cacheLogger),
      ),
      startTestApp(env),
    ]);
  });

  afterAll(async () => {
    await Promise.all([sut?.close(), replica?.close()]);
    await Promise.all([provider?.close(), state?.stop(), cache?.stop()]);
  });

  it('writes cache entries to the cache Redis and conversations to the state Redis; another replica hits the cache Redis', async () => {
    const message = 'Where does the answer live?';
    const first = await chat(sut, message);

    const cached = await waitUntil('the entry in the cache Redis', async () => {
      const keys = await keysOf(cache, `${PREFIX}cache:*`);
      return keys.length > 0 ? keys : undefined;
    });
    const second = await chat(replica, message);

    expect(first.headers['x-cache']).toBe('MISS');
    expect(cached).toHaveLength(1);
    expect(await keysOf(state, `${PREFIX}cache:*`)).toEqual([]);
    expect(
      await keysOf(state, `${PREFIX}{conv:${first.body.conversation_id as string}}*`),
    ).not.toEqual([]);
    expect((await keysOf(cache, '*')).filter((key) => !key.startsWith(`${PREFIX}cache:`))).toEqual(
      [],
    );
    expect(second.headers['x-cache']).toBe('HIT');
    expect(provider.callCount).toBe(1);
  });

  it('evicts cache entries once the cache Redis is past its maxmemory, and loses no conversation', async () => {
    const ids: string[] = [];
    for (let turn = 1; turn <= TURNS; turn++) {
      const answers = await Promise.all(
        Array.from({ length: CONVERSATIONS }, (_, c) => chat(sut, aLongMessage(c, turn), ids[c])),
      );
      answers.forEach((res, c) => (ids[c] = res.body.conversation_id as string));
    }

    await waitUntil('the cache Redis to evict', async () =>
      (await evictedKeys(cache)) > 0 ? true : undefined,
    );
    for (const [c, id] of ids.entries()) {
      const stored = await request(sut.url).get(`/api/v1/conversations/${id}`).expect(200);
      const expected = Array.from({ length: TURNS }, (_, t) => aLongMessage(c, t + 1)).flatMap(
        (message) => [
          { role: 'user', content: message },
          { role: 'assistant', content: `echo: ${message}` },
        ],
      );
      expect(
        (stored.body.messages as StoredMessage[]).map(({ role, content }) => ({ role, content })),
      ).toEqual(expected);
    }
    expect(await evictedKeys(state)).toBe(0);
    expect((await keysOf(cache, `${PREFIX}cache:*`)).length).toBeLessThan(CONVERSATIONS * TURNS);
  });

  it('answers uncached and stays ready while the cache Redis is down, logs that once, and shares again once it is back', async () => {
    await cache.stop();

    const answers = [await chat(sut, 'Is anyone there?'), await chat(sut, 'Anyone at all?')];

    expect(answers.map((res) => res.headers['x-cache'])).toEqual(['MISS', 'MISS']);
    await request(sut.url).get('/health/ready').expect(200);
    expect(logged).toEqual(['warn SocketClosedUnexpectedlyError']);

    await cache.restart();
    await waitUntil('the cache connection to come back', () =>
      logged.length > 1 ? true : undefined,
    );
    await chat(sut, 'Back again?');

    expect(logged[1]).toBe(
      'info Cache Redis back: the response cache is shared by the replicas again',
    );
    await waitUntil('a new entry in the cache Redis', async () =>
      (await keysOf(cache, `${PREFIX}cache:*`)).length > 0 ? true : undefined,
    );
  });
});

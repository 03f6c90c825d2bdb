import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { createClient, type RedisClientType } from '@redis/client';
import { LoggerModule } from 'nestjs-pino';
import { CacheModule } from '../src/cache/cache.module';
import { ResponseCache } from '../src/cache/response-cache';
import { configModule } from '../src/config/configuration';
import type { LlmCompletion, LlmRequest } from '../src/llm/llm.provider';
import { Metrics } from '../src/metrics/metrics';
import { MetricsModule } from '../src/metrics/metrics.module';
import { RedisConnection } from '../src/redis/redis.connection';
import { RedisModule } from '../src/redis/redis.module';
import { RedisTestServer } from './support/redis-server';
import { waitUntil } from './support/wait-until';

const PREFIX = 'test:';

interface Replica {
  sut: ResponseCache;
  metrics: Metrics;
  moduleRef: TestingModule;
}

/** One replica's ResponseCache, from the real modules, configured by `env` as production reads it. */
async function aReplica(env: Record<string, string>): Promise<Replica> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    LOG_LEVEL: 'silent',
    ENABLE_CACHE: 'true',
    REDIS_KEY_PREFIX: PREFIX,
    ...env,
  });
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        configModule(),
        LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }),
        MetricsModule,
        RedisModule,
        CacheModule,
      ],
    }).compile();
    await moduleRef.init();
    return { sut: moduleRef.get(ResponseCache), metrics: moduleRef.get(Metrics), moduleRef };
  } finally {
    process.env = saved;
  }
}

function aRequest(question = `Question ${randomUUID()}`): LlmRequest {
  return {
    model: 'gpt-4o-mini',
    temperature: 0,
    maxTokens: 100,
    messages: [{ role: 'user', content: question }],
  };
}

function aCompletion(content = 'An answer.'): LlmCompletion {
  return {
    content,
    model: 'gpt-4o-mini',
    finishReason: 'stop',
    usage: { promptTokens: 5, completionTokens: 3 },
  };
}

/** A provider call that counts how often it ran. */
function aProvider(completion = aCompletion()) {
  const provider = {
    calls: 0,
    compute: (): Promise<LlmCompletion> => {
      provider.calls += 1;
      return Promise.resolve(completion);
    },
  };
  return provider;
}

const noProviderCall = (): Promise<LlmCompletion> =>
  Promise.reject(new Error('the provider must not be called'));

const signal = () => new AbortController().signal;

async function cacheResults(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheRequests.get();
  return Object.fromEntries(values.map(({ labels, value }) => [String(labels.result), value]));
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = Date.now();
  const value = await work;
  return { value, ms: Date.now() - startedAt };
}

describe('ResponseCache with a Redis tier (two replicas on one Redis)', () => {
  let server: RedisTestServer;
  let redis: RedisClientType;
  let first: Replica;
  let second: Replica;

  /** The cache's keys in Redis, once the write that was not waited on has landed. */
  const cachedKeys = (count: number) =>
    waitUntil(`${count} cache entries in Redis`, async () => {
      const keys = await redis.keys(`${PREFIX}cache:*`);
      return keys.length >= count ? keys : undefined;
    });

  beforeAll(async () => {
    server = await RedisTestServer.start();
    redis = createClient({ url: server.url });
    redis.on('error', () => undefined);
    await redis.connect();
    first = await aReplica({ REDIS_URL: server.url });
    second = await aReplica({ REDIS_URL: server.url });
  });

  afterAll(async () => {
    await Promise.all([first?.moduleRef.close(), second?.moduleRef.close()]);
    redis?.destroy();
    await server?.stop();
  });

  beforeEach(() => redis.flushDb());

  it('answers on one replica from the entry the other wrote to Redis, under `${prefix}cache:`', async () => {
    const request = aRequest();
    const provider = aProvider();

    const miss = await first.sut.getOrCompute(request, 'key-1', signal(), provider.compute);
    const keys = await cachedKeys(1);
    const hit = await second.sut.getOrCompute(request, 'key-1', signal(), noProviderCall);

    expect(miss).toEqual({ completion: aCompletion(), cached: false });
    expect(hit).toEqual({ completion: aCompletion(), cached: true });
    expect(provider.calls).toBe(1);
    expect(keys).toEqual([expect.stringMatching(/^test:cache:[0-9a-f]{64}$/)]);
    const ttl = await redis.pTTL(keys[0] ?? '');
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(await cacheResults(second.metrics)).toEqual({ hit: 1 });
    expect(await cacheResults(first.metrics)).toEqual({ miss: 1 });
  });

  it('never shares an entry across API keys', async () => {
    const request = aRequest();
    await first.sut.getOrCompute(request, 'key-1', signal(), aProvider().compute);
    await cachedKeys(1);
    const other = aProvider();

    const result = await second.sut.getOrCompute(request, 'key-2', signal(), other.compute);

    expect(result.cached).toBe(false);
    expect(other.calls).toBe(1);
  });

  it('copies a Redis hit into memory: the next hit on that replica needs no Redis entry, and is frozen', async () => {
    const request = aRequest();
    await first.sut.getOrCompute(request, null, signal(), aProvider().compute);
    const [key] = await cachedKeys(1);
    await second.sut.getOrCompute(request, null, signal(), noProviderCall);

    await redis.del(key ?? '');
    const fromMemory = await second.sut.getOrCompute(request, null, signal(), noProviderCall);

    expect(fromMemory.cached).toBe(true);
    expect(fromMemory.completion).toEqual(aCompletion());
    expect(Object.isFrozen(fromMemory.completion)).toBe(true);
    expect(Object.isFrozen(fromMemory.completion.usage)).toBe(true);
  });

  it('makes one provider call for concurrent identical requests', async () => {
    const request = aRequest();
    const provider = aProvider();

    const results = await Promise.all(
      [1, 2, 3].map(() => first.sut.getOrCompute(request, null, signal(), provider.compute)),
    );

    expect(provider.calls).toBe(1);
    expect(results.map((result) => result.cached)).toEqual([false, true, true]);
  });

  it('answers without waiting for the cache write to reach Redis', async () => {
    const request = aRequest();
    // Redis holds every write for 2 s, longer than any answer may wait.
    await redis.sendCommand(['CLIENT', 'PAUSE', '2000', 'WRITE']);
    try {
      const { value, ms } = await timed(
        first.sut.getOrCompute(request, null, signal(), aProvider().compute),
      );

      expect(value.cached).toBe(false);
      expect(ms).toBeLessThan(500);
    } finally {
      await redis.sendCommand(['CLIENT', 'UNPAUSE']);
    }
  });
});

describe('ResponseCache while Redis is away', () => {
  let server: RedisTestServer;
  let replica: Replica;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    replica = await aReplica({ REDIS_URL: server.url });
  });

  afterAll(async () => {
    await replica?.moduleRef.close();
    await server?.stop();
  });

  it('treats a Redis that holds its replies as a miss after about 1 s', async () => {
    const request = aRequest();
    const redis: RedisClientType = createClient({ url: server.url });
    await redis.connect();
    try {
      await replica.sut.getOrCompute(request, 'writer', signal(), aProvider().compute);
      await waitUntil('the entry in Redis', async () =>
        (await redis.keys(`${PREFIX}cache:*`)).length > 0 ? true : undefined,
      );
      await redis.sendCommand(['CLIENT', 'PAUSE', '2000', 'ALL']);

      const { value, ms } = await timed(
        replica.sut.getOrCompute(request, 'reader', signal(), aProvider().compute),
      );

      expect(value.cached).toBe(false);
      expect(ms).toBeLessThan(1500);
      // The pause lapses before this answer comes.
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.destroy();
    }
  });

  it('misses at once, answers from the provider, keeps the answer in memory, and uses Redis again once it is back', async () => {
    await server.stop();
    const request = aRequest();
    const provider = aProvider();

    const { value: miss, ms } = await timed(
      replica.sut.getOrCompute(request, null, signal(), provider.compute),
    );
    const hit = await replica.sut.getOrCompute(request, null, signal(), noProviderCall);

    expect(miss.cached).toBe(false);
    expect(ms).toBeLessThan(500);
    expect(hit.cached).toBe(true);
    expect(provider.calls).toBe(1);

    await server.restart();
    const redis: RedisClientType = createClient({ url: server.url });
    await redis.connect();
    try {
      const connection = replica.moduleRef.get(RedisConnection);
      await waitUntil('the replica to reconnect', () => (connection.isReady ? true : undefined));
      await replica.sut.getOrCompute(aRequest(), null, signal(), aProvider().compute);
      await waitUntil('the entry in Redis once it is back', async () => {
        const keys = await redis.keys(`${PREFIX}cache:*`);
        return keys.length > 0 ? keys : undefined;
      });
    } finally {
      redis.destroy();
    }
  });
});

describe('ResponseCache memory tier', () => {
  it('keeps at most CACHE_MAX_ENTRIES answers, dropping the least recently used', async () => {
    const { sut, moduleRef } = await aReplica({ CACHE_MAX_ENTRIES: '2' });
    const requests = [aRequest(), aRequest(), aRequest()];
    try {
      for (const request of requests)
        await sut.getOrCompute(request, null, signal(), aProvider().compute);
      const oldest = aProvider();

      expect(
        (await sut.getOrCompute(requests[2] as LlmRequest, null, signal(), noProviderCall)).cached,
      ).toBe(true);
      expect(
        (await sut.getOrCompute(requests[0] as LlmRequest, null, signal(), oldest.compute)).cached,
      ).toBe(false);
      expect(oldest.calls).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });

  it('keeps answers within CACHE_MAX_BYTES', async () => {
    // Each entry takes a little over 1 KB: two fit in 3 KB, three do not.
    const { sut, moduleRef } = await aReplica({ CACHE_MAX_BYTES: '3kb' });
    const big = aCompletion('x'.repeat(1000));
    const requests = [aRequest(), aRequest(), aRequest()];
    try {
      for (const request of requests)
        await sut.getOrCompute(request, null, signal(), aProvider(big).compute);
      const oldest = aProvider(big);

      expect(
        (await sut.getOrCompute(requests[2] as LlmRequest, null, signal(), noProviderCall)).cached,
      ).toBe(true);
      expect(
        (await sut.getOrCompute(requests[1] as LlmRequest, null, signal(), noProviderCall)).cached,
      ).toBe(true);
      expect(
        (await sut.getOrCompute(requests[0] as LlmRequest, null, signal(), oldest.compute)).cached,
      ).toBe(false);
    } finally {
      await moduleRef.close();
    }
  });
});

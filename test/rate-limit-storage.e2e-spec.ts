import {
  createClient,
  createCluster,
  type RedisClientType,
  type RedisClusterType,
} from '@redis/client';
import { MemoryThrottlerStorage } from '../src/rate-limit/memory-throttler.storage';
import { RedisThrottlerStorage } from '../src/rate-limit/redis-throttler.storage';
import { RedisTestCluster, RedisTestServer } from './support/redis-server';
import { waitUntil } from './support/wait-until';

const PREFIX = 'test:';
const MINUTE_MS = 60_000;

type Client = RedisClientType | RedisClusterType;

/** What the storage reads of RedisConnection, over a client this test owns. */
function connectionOver(client: Client, isReady: () => boolean) {
  return {
    client,
    keyPrefix: PREFIX,
    get isReady() {
      return isReady();
    },
  };
}

async function standaloneClient(url: string): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1_000 },
    socket: { reconnectStrategy: () => 50 },
  });
  // Failed commands reject on their own; an unheard 'error' event would crash the worker.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

let trackers = 0;
/** A key no other test used, so each test starts from an empty window. */
const aKey = () => `default:ip:198.51.100.${++trackers}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisThrottlerStorage on one Redis', () => {
  let redis: RedisTestServer;
  let client: RedisClientType;
  let sut: RedisThrottlerStorage;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    client = await standaloneClient(redis.url);
    sut = new RedisThrottlerStorage(connectionOver(client, () => client.isReady));
  });
  afterAll(async () => {
    client?.destroy();
    await redis?.stop();
  });

  it('counts concurrent hits atomically: 50 at once get 1..50, each once', async () => {
    const key = aKey();

    const records = await Promise.all(
      Array.from({ length: 50 }, () => sut.increment(key, MINUTE_MS, 1_000, 0)),
    );

    expect(records.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('shares one count between two storages on the same Redis, as replicas do', async () => {
    const other = new RedisThrottlerStorage(connectionOver(client, () => client.isReady));
    const key = aKey();

    await sut.increment(key, MINUTE_MS, 10, 0);
    await other.increment(key, MINUTE_MS, 10, 0);
    const third = await sut.increment(key, MINUTE_MS, 10, 0);

    expect(third.totalHits).toBe(3);
  });

  it('answers the window in whole seconds, rounded up', async () => {
    const record = await sut.increment(aKey(), 1_500, 10, 0);

    expect(record).toEqual({
      totalHits: 1,
      timeToExpire: 2,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('starts counting from one again once the window has expired', async () => {
    const key = aKey();
    await sut.increment(key, 200, 10, 0);
    await sut.increment(key, 200, 10, 0);

    await sleep(300);

    expect((await sut.increment(key, 200, 10, 0)).totalHits).toBe(1);
  });

  it('refuses hits past the limit until the window ends when there is no block', async () => {
    const key = aKey();
    for (let i = 0; i < 2; i++) await sut.increment(key, 400, 2, 0);

    const refused = await sut.increment(key, 400, 2, 0);
    await sleep(500);
    const after = await sut.increment(key, 400, 2, 0);

    expect(refused).toEqual({
      totalHits: 3,
      timeToExpire: 1,
      isBlocked: true,
      timeToBlockExpire: 1,
    });
    expect(after).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('blocks for the block duration from the refused hit, without counting, then starts afresh', async () => {
    const key = aKey();
    for (let i = 0; i < 2; i++) await sut.increment(key, MINUTE_MS, 2, 400);

    const refused = await sut.increment(key, MINUTE_MS, 2, 400);
    const stillBlocked = await sut.increment(key, MINUTE_MS, 2, 400);
    await sleep(500);
    const after = await sut.increment(key, MINUTE_MS, 2, 400);

    expect(refused).toEqual({
      totalHits: 3,
      timeToExpire: 1,
      isBlocked: true,
      timeToBlockExpire: 1,
    });
    expect(stillBlocked).toMatchObject({ totalHits: 3, isBlocked: true });
    expect(after).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('keeps the count under the prefix, hash-tagged by the throttler key, and its block beside it', async () => {
    const key = aKey();

    await sut.increment(key, MINUTE_MS, 1, MINUTE_MS);
    const count = await client.get(`${PREFIX}ratelimit:{${key}}`);
    await sut.increment(key, MINUTE_MS, 1, MINUTE_MS);

    expect(count).toBe('1');
    expect(await client.exists(`${PREFIX}ratelimit:{${key}}:blocked`)).toBe(1);
  });

  it('loads its script again after the server forgot it', async () => {
    const key = aKey();
    await sut.increment(key, MINUTE_MS, 10, 0);
    await client.scriptFlush();

    const second = await sut.increment(key, MINUTE_MS, 10, 0);

    expect(second.totalHits).toBe(2);
  });

  it('counts in memory when a command fails, instead of throwing', async () => {
    const key = aKey();
    await client.hSet(`${PREFIX}ratelimit:{${key}}`, 'not', 'a counter');

    const records = [
      await sut.increment(key, MINUTE_MS, 10, 0),
      await sut.increment(key, MINUTE_MS, 10, 0),
    ];

    expect(records.map((record) => record.totalHits)).toEqual([1, 2]);
  });

  it('counts in memory within about a second when Redis stops answering', async () => {
    const admin = await standaloneClient(redis.url);
    // CLIENT PAUSE holds every other client's commands, the storage's among them.
    await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
    try {
      const started = performance.now();
      const record = await sut.increment(aKey(), MINUTE_MS, 10, 0);

      expect(record.totalHits).toBe(1);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
      admin.destroy();
    }
  });

  describe('while Redis is down', () => {
    let fallback: MemoryThrottlerStorage;
    let outage: RedisThrottlerStorage;

    beforeAll(async () => {
      fallback = new MemoryThrottlerStorage(100);
      outage = new RedisThrottlerStorage(
        connectionOver(client, () => client.isReady),
        fallback,
      );
      await redis.stop();
      await waitUntil('the client to notice', () => (client.isReady ? undefined : true));
    });
    afterAll(async () => {
      await redis.restart();
      await waitUntil('the client to reconnect', () => (client.isReady ? true : undefined));
    });

    it('counts in bounded memory at once, without throwing', async () => {
      const key = aKey();
      const startedAt = Date.now();

      const records = [];
      for (let i = 0; i < 3; i++) records.push(await outage.increment(key, MINUTE_MS, 2, 0));

      expect(Date.now() - startedAt).toBeLessThan(100);
      expect(records.map(({ totalHits, isBlocked }) => [totalHits, isBlocked])).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
    });

    it('keeps its fallback at its maximum of clients under a flood of distinct clients', async () => {
      for (let i = 0; i < 1_000; i++)
        await outage.increment(`default:ip:10.0.${i >> 8}.${i & 255}`, MINUTE_MS, 2, 0);

      expect(fallback.size).toBe(100);
    });

    it('counts in memory when the connection says ready but the command fails', async () => {
      const believer = new RedisThrottlerStorage(connectionOver(client, () => true));

      const record = await believer.increment(aKey(), MINUTE_MS, 10, 0);

      expect(record.totalHits).toBe(1);
    });
  });

  it('counts in Redis again once it is back', async () => {
    const key = aKey();
    const other = new RedisThrottlerStorage(connectionOver(client, () => client.isReady));

    await sut.increment(key, MINUTE_MS, 10, 0);
    const second = await other.increment(key, MINUTE_MS, 10, 0);

    expect(second.totalHits).toBe(2);
  });
});

describe('RedisThrottlerStorage without Redis', () => {
  it('counts in memory when no client is configured', async () => {
    const sut = new RedisThrottlerStorage({ client: undefined, keyPrefix: PREFIX, isReady: false });

    await sut.increment('default:ip:192.0.2.1', MINUTE_MS, 10, 0);
    const second = await sut.increment('default:ip:192.0.2.1', MINUTE_MS, 10, 0);

    expect(second.totalHits).toBe(2);
  });
});

describe('RedisThrottlerStorage on a Redis Cluster', () => {
  let cluster: RedisTestCluster;
  let client: RedisClusterType;

  beforeAll(async () => {
    cluster = await RedisTestCluster.start();
    client = createCluster({
      rootNodes: cluster.nodes.map((node) => ({ url: `redis://${node}` })),
      defaults: { disableOfflineQueue: true },
    });
    client.on('error', () => undefined);
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await cluster?.stop();
  });

  it("keeps each client's count and block in one slot, clients over many slots, shared by two storages", async () => {
    const connection = connectionOver(client, () => true);
    const sut = new RedisThrottlerStorage(connection);
    const other = new RedisThrottlerStorage(connection);
    const keys = Array.from({ length: 30 }, aKey);

    for (const key of keys) await sut.increment(key, MINUTE_MS, 1, MINUTE_MS);
    const refused = await Promise.all(
      keys.map((key) => other.increment(key, MINUTE_MS, 1, MINUTE_MS)),
    );

    // Separate memories would each answer 1: only a count kept in the cluster says 2 and blocks.
    expect(refused.map(({ totalHits, isBlocked }) => [totalHits, isBlocked])).toEqual(
      keys.map(() => [2, true]),
    );
    const slots = new Set(
      await Promise.all(keys.map((key) => client.clusterKeySlot(`${PREFIX}ratelimit:{${key}}`))),
    );
    expect(slots.size).toBeGreaterThan(1);
  });
});

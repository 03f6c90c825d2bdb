import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { RedisClient, RedisConnection } from '../redis/redis.connection';

/**
 * Keyv's view of the shared Redis connection. A cache must never fail or slow
 * a request: while Redis is away every read is a miss and every write a no-op.
 */
export class RedisKeyvStore implements KeyvStoreAdapter {
  readonly opts = {};
  namespace?: string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix: string,
  ) {}

  /** The serialized entry as Redis holds it; undefined when there is none or Redis is away. */
  read(key: string): Promise<string | undefined> {
    return this.attempt(
      undefined,
      async (client) => (await client.get(this.prefix + key)) ?? undefined,
    );
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.read(key) as Promise<StoredData<Value> | undefined>;
  }

  set(key: string, value: string, ttl?: number): Promise<boolean> {
    return this.attempt(false, async (client) => {
      await (ttl
        ? client.set(this.prefix + key, value, 'PX', ttl)
        : client.set(this.prefix + key, value));
      return true;
    });
  }

  delete(key: string): Promise<boolean> {
    return this.attempt(false, async (client) => (await client.del(this.prefix + key)) > 0);
  }

  /** Clearing a shared cache from one replica is not something this service does. */
  clear(): Promise<void> {
    return Promise.resolve();
  }

  on(): this {
    return this;
  }

  private async attempt<T>(fallback: T, command: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = this.connection.client;
    if (!client || !this.connection.isReady) return fallback;
    try {
      return await command(client);
    } catch {
      return fallback;
    }
  }
}

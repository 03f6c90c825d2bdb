import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { RedisConnection } from '../redis/redis.connection';

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

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const client = this.connection.client;
    if (!client || !this.connection.isReady) return undefined;
    try {
      return ((await client.get(this.prefix + key)) ?? undefined) as StoredData<Value> | undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    const client = this.connection.client;
    if (!client || !this.connection.isReady) return false;
    try {
      await (ttl
        ? client.set(this.prefix + key, value, 'PX', ttl)
        : client.set(this.prefix + key, value));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<boolean> {
    const client = this.connection.client;
    if (!client || !this.connection.isReady) return false;
    try {
      return (await client.del(this.prefix + key)) > 0;
    } catch {
      return false;
    }
  }

  /** Clearing a shared cache from one replica is not something this service does. */
  clear(): Promise<void> {
    return Promise.resolve();
  }

  on(): this {
    return this;
  }
}

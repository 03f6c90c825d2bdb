import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import type { CacheConfig } from '../config/cache.config';
import type { CacheRedisConnection } from './cache-redis.connection';

/** How long a cache read may wait for a connection KeyvRedis opens itself (a cluster not yet found). */
const REDIS_CONNECT_TIMEOUT_MS = 1000;

/** Keyv passes a TTL in ms as set()'s third argument, where lru-cache expects an options object. */
function keyvLruStore(lru: LRUCache<string, object>) {
  return {
    get: (key: string) => lru.get(key),
    set: (key: string, value: object, ttl?: number) => {
      lru.set(key, value, ttl ? { ttl } : undefined);
      return true;
    },
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  };
}

/**
 * This replica's tier, bounded by entries and bytes. It keeps Keyv's entries
 * as objects, so a hit parses nothing; an entry counts for the bytes of its
 * JSON, as it would take in Redis.
 */
export function memoryTier({ maxEntries, maxBytes }: CacheConfig): Keyv {
  const lru = new LRUCache<string, object>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (entry) => Math.max(1, Buffer.byteLength(JSON.stringify(entry))),
  });
  return new Keyv({
    store: keyvLruStore(lru),
    serialize: undefined,
    deserialize: undefined,
    useKeyPrefix: false,
  });
}

/**
 * The tier every replica shares, on the cache's Redis connection, keys under
 * `${REDIS_KEY_PREFIX}cache:`. While Redis is away a read is a miss and a
 * write a no-op: KeyvRedis reports failures as 'error' events, never throws.
 */
export function redisTier(connection: CacheRedisConnection): Keyv | undefined {
  if (!connection.client) return undefined;
  const namespace = `${connection.keyPrefix}cache`;
  const store = new KeyvRedis(connection.client, {
    namespace,
    keyPrefixSeparator: ':',
    throwOnConnectError: false,
    throwOnErrors: false,
    connectionTimeout: REDIS_CONNECT_TIMEOUT_MS,
  });
  // KeyvRedis prefixes the namespace itself; Keyv's own prefix would double it.
  return new Keyv({ store, namespace, useKeyPrefix: false });
}

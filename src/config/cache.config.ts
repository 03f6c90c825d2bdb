import { registerAs } from '@nestjs/config';
import { parseByteSize, secondsToMs } from './env-units';
import { loadEnvironment } from './validate-environment';

export const cacheConfig = registerAs('cache', () => {
  const env = loadEnvironment();
  return {
    enabled: env.ENABLE_CACHE,
    ttlMs: secondsToMs(env.CACHE_TTL),
    maxEntries: env.CACHE_MAX_ENTRIES,
    maxBytes: parseByteSize(env.CACHE_MAX_BYTES),
    /** The shared tier's own Redis; unset: it lives on the state Redis (REDIS_URL). */
    redisUrl: env.CACHE_REDIS_URL,
  };
});

export type CacheConfig = ReturnType<typeof cacheConfig>;

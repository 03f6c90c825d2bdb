import { registerAs } from '@nestjs/config';
import { EnvReader } from './env-reader';

export const cacheConfig = registerAs('cache', () => {
  const env = new EnvReader(process.env);
  return {
    enabled: env.boolean('ENABLE_CACHE'),
    ttlMs: env.seconds('CACHE_TTL'),
    maxEntries: env.integer('CACHE_MAX_ENTRIES', { min: 1 }),
    maxBytes: env.bytes('CACHE_MAX_BYTES'),
  };
});

export type CacheConfig = ReturnType<typeof cacheConfig>;

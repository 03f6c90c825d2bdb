import { Injectable } from '@nestjs/common';
import type { ReadAhead } from '../redis/read-ahead';
import { RedisConnection, type RedisClient } from '../redis/redis.connection';
import { MemoryFixedWindows, type WindowCount } from './fixed-window';

/** One atomic step of a fixed window shared by every replica: count, start the clock on the first hit. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}
`;

type ClientWithHit = RedisClient & {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
};

export interface Hit {
  window: WindowCount;
  /** Present when the key to read ahead was read in the same round trip as the count. */
  readAhead?: ReadAhead;
}

/**
 * Rate-limit counts in Redis, exact across replicas; while Redis is away, in
 * this replica's memory, so requests are still limited rather than refused.
 */
@Injectable()
export class RateLimitStorage {
  private readonly memory = new MemoryFixedWindows();
  private readonly redis: ClientWithHit | undefined;

  constructor(private readonly connection: RedisConnection) {
    connection.client?.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = connection.client as ClientWithHit | undefined;
  }

  /**
   * Counts a hit on `key`, and reads `readAheadKey` alongside: both commands
   * are sent before either reply is awaited, so the request waits on Redis once.
   */
  async hit(key: string, windowMs: number, readAheadKey?: string): Promise<Hit> {
    if (this.redis && this.connection.isReady) {
      try {
        const [[hits, remainingMs], readAhead] = await Promise.all([
          this.redis.rateLimitHit(`${this.connection.keyPrefix}ratelimit:${key}`, windowMs),
          readAheadKey === undefined ? undefined : this.read(this.redis, readAheadKey),
        ]);
        return { window: { hits, remainingMs }, ...(readAhead && { readAhead }) };
      } catch {
        // Redis went away mid-command; the connection logs the outage once.
      }
    }
    return { window: this.memory.hit(key, windowMs) };
  }

  /** A read that fails is only a read not made ahead; it must not cost the count. */
  private read(redis: RedisClient, key: string): Promise<ReadAhead | undefined> {
    return redis.get(key).then(
      (value) => ({ key, value }),
      () => undefined,
    );
  }
}

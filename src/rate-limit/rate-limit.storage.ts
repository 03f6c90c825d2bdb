import { Injectable } from '@nestjs/common';
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

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    if (this.redis && this.connection.isReady) {
      try {
        // "default" named the one window when windows had names; keeping the key means replicas
        // of both versions count a client together while a rolling deploy mixes them.
        const [hits, remainingMs] = await this.redis.rateLimitHit(
          `${this.connection.keyPrefix}ratelimit:default:${key}`,
          windowMs,
        );
        return { hits, remainingMs };
      } catch {
        // Redis went away mid-command; the connection logs the outage once.
      }
    }
    return this.memory.hit(key, windowMs);
  }
}

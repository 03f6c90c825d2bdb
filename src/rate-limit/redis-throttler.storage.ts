import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { LuaScript } from '../redis/lua-script';
import type { RedisConnection } from '../redis/redis.connection';
import { withinReplyDeadline } from '../redis/reply-deadline';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { toStorageRecord } from './throttler-record';

/**
 * One atomic hit of a fixed window (KEYS[1]) and its block (KEYS[2]); ARGV: window ms, limit,
 * block ms. Answers {hits, ms until the record expires, ms blocked (0 when not)}.
 */
const HIT_SCRIPT = `
local blocked = redis.call('GET', KEYS[2])
if blocked then
  local left = redis.call('PTTL', KEYS[2])
  return {tonumber(blocked), left, left}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
if hits <= tonumber(ARGV[2]) then return {hits, left, 0} end
local block = tonumber(ARGV[3])
if block <= 0 then return {hits, left, left} end
redis.call('SET', KEYS[2], hits, 'PX', block)
redis.call('DEL', KEYS[1])
return {hits, block, block}
`;

const HIT = new LuaScript(HIT_SCRIPT);

type RedisClient = NonNullable<RedisConnection['client']>;

type HitReply = [hits: number, expiresInMs: number, blockedForMs: number];

/**
 * Throttler counts in Redis, exact across replicas; while Redis is absent or
 * down, in this replica's bounded memory, so requests are still limited rather than refused.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly connection: Pick<RedisConnection, 'client' | 'keyPrefix' | 'isReady'>,
    private readonly fallback = new MemoryThrottlerStorage(),
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const client = this.connection.client;
    if (client && this.connection.isReady) {
      try {
        return toStorageRecord(...(await this.hit(client, key, [ttl, limit, blockDuration])));
      } catch {
        // Redis failed mid-command; the connection logs the outage once.
      }
    }
    return this.fallback.increment(key, ttl, limit, blockDuration);
  }

  private async hit(
    client: RedisClient,
    key: string,
    numbers: [ttl: number, limit: number, blockDuration: number],
  ): Promise<HitReply> {
    // The braces are the hash tag: a Cluster puts both keys in one slot, as one script needs.
    const hitsKey = `${this.connection.keyPrefix}ratelimit:{${key}}`;
    const reply = HIT.run(client, {
      keys: [hitsKey, `${hitsKey}:blocked`],
      // Whole numbers: PEXPIRE and SET PX refuse fractions.
      arguments: numbers.map((n) => String(Math.ceil(n))),
    });
    // A Redis that stopped answering must not hold every request: it counts as away.
    return (await withinReplyDeadline(reply)) as HitReply;
  }
}

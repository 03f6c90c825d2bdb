import { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis.connection';
import { withinReplyDeadline } from '../../redis/reply-deadline';
import type { CircuitSettings, CircuitState } from './circuit-rules';

/**
 * The scripts keep `circuit-rules.ts`'s rules on Redis's clock: one hash holds
 * every pair as "failures,openUntil,probeUntil", so one key (one Cluster slot)
 * serves a whole fleet's breakers and one read brings a replica up to date.
 */
const NOW_AND_STATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f, o, p = 0, 0, 0
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local a, b, c = string.match(raw, '^(%d+),(%d+),(%d+)$')
  f, o, p = tonumber(a), tonumber(b), tonumber(c)
end
local function save()
  local state = string.format('%d,%d,%d', f, o, p)
  redis.call('HSET', KEYS[1], ARGV[1], state)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return state
end
`;

/** ARGV: pair, threshold, cooldown ms, hash lifetime ms. */
const FAIL = new LuaScript(`${NOW_AND_STATE}
f = f + 1
p = 0
if o <= now and f >= tonumber(ARGV[2]) then o = now + tonumber(ARGV[3]) end
return { now, save() }
`);

/** ARGV: pair, threshold, probe lease ms, hash lifetime ms. Replies 1 when this caller may go. */
const CLAIM_PROBE = new LuaScript(`${NOW_AND_STATE}
local state = string.format('%d,%d,%d', f, o, p)
if f < tonumber(ARGV[2]) then return { now, state, 1 } end
if o > now or p > now then return { now, state, 0 } end
p = now + tonumber(ARGV[3])
return { now, save(), 1 }
`);

/** ARGV: pair, threshold, unused, hash lifetime ms. */
const RELEASE_PROBE = new LuaScript(`${NOW_AND_STATE}
if raw then
  p = 0
  save()
end
return 1
`);

const SNAPSHOT = new LuaScript(`
local t = redis.call('TIME')
return { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), redis.call('HGETALL', KEYS[1]) }
`);

/** A stored state, moved from Redis's clock onto this process's. */
function stateOf(text: unknown, redisNow: number, now: number): CircuitState {
  const [failures = 0, openUntil = 0, probeUntil = 0] = String(text).split(',').map(Number);
  const local = (at: number) => (at > 0 ? now + (at - redisNow) : 0);
  return { failures, openUntil: local(openUntil), probeUntil: local(probeUntil) };
}

export class RedisCircuitStore {
  private readonly key: string;
  private readonly lifetimeMs: string;

  constructor(
    private readonly client: RedisClient,
    keyPrefix: string,
    private readonly settings: CircuitSettings,
  ) {
    this.key = `${keyPrefix}{llm-circuits}`;
    // Long enough to outlive any cooldown; a fleet that stopped calling leaves nothing behind.
    this.lifetimeMs = String(Math.max(86_400_000, settings.cooldownMs * 10));
  }

  async fail(pair: string): Promise<CircuitState> {
    const reply = await this.run(FAIL, pair, this.settings.cooldownMs);
    const [redisNow, state] = reply as [number, string];
    return stateOf(state, redisNow, Date.now());
  }

  async claimProbe(pair: string): Promise<{ state: CircuitState; claimed: boolean }> {
    const reply = await this.run(CLAIM_PROBE, pair, this.settings.probeLeaseMs);
    const [redisNow, state, claimed] = reply as [number, string, number];
    return { state: stateOf(state, redisNow, Date.now()), claimed: claimed === 1 };
  }

  async releaseProbe(pair: string): Promise<void> {
    await this.run(RELEASE_PROBE, pair, 0);
  }

  async close(pair: string): Promise<void> {
    await withinReplyDeadline(this.client.hDel(this.key, pair));
  }

  async snapshot(): Promise<Map<string, CircuitState>> {
    const reply = await withinReplyDeadline(
      SNAPSHOT.run(this.client, { keys: [this.key], arguments: [] }),
    );
    const [redisNow, flat] = reply as [number, string[]];
    const now = Date.now();
    const states = new Map<string, CircuitState>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      states.set(flat[i]!, stateOf(flat[i + 1], redisNow, now));
    }
    return states;
  }

  private run(script: LuaScript, pair: string, milliseconds: number): Promise<unknown> {
    return withinReplyDeadline(
      script.run(this.client, {
        keys: [this.key],
        arguments: [pair, String(this.settings.threshold), String(milliseconds), this.lifetimeMs],
      }),
    );
  }
}

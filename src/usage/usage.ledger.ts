import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import type { KeyLimits } from '../config/environment-variables';
import { LuaScript } from '../redis/lua-script';
import { RedisConnection } from '../redis/redis.connection';
import { withinReplyDeadline } from '../redis/reply-deadline';
import { periodsAt, secondsUntil, type UsagePeriods } from './usage-periods';
import { BudgetExceededError } from './usage.errors';

/** USD is counted in millionths, so Redis adds whole numbers. */
const MICRO = 1_000_000;
const DAY_TTL_SECONDS = 2 * 86_400;
const MONTH_TTL_SECONDS = 32 * 86_400;

/** What a request may spend at most, held against the budgets until it settles. */
export interface Reservation {
  keyId: string;
  periods: UsagePeriods;
  tokens: number;
  microUsd: number;
}

export interface Spent {
  promptTokens: number;
  completionTokens: number;
  usd: number;
}

export interface PeriodUsage {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  usd: number;
}

type Counters = Record<
  | 'requests'
  | 'prompt'
  | 'completion'
  | 'tokens'
  | 'micro_usd'
  | 'reserved_tokens'
  | 'reserved_micro_usd',
  number
>;

/** KEYS: day, month. ARGV: token limit, micro-USD limit (-1: none), tokens, micro-USD, TTLs. */
const RESERVE = new LuaScript(`
local function num(key, field) return tonumber(redis.call('HGET', key, field) or '0') end
local day, month = KEYS[1], KEYS[2]
local tokenLimit, usdLimit = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, usd = tonumber(ARGV[3]), tonumber(ARGV[4])
if tokenLimit >= 0 and num(day, 'tokens') + num(day, 'reserved_tokens') + tokens > tokenLimit then
  return 'tokens_per_day'
end
if usdLimit >= 0 and num(month, 'micro_usd') + num(month, 'reserved_micro_usd') + usd > usdLimit then
  return 'usd_per_month'
end
redis.call('HINCRBY', day, 'reserved_tokens', tokens)
redis.call('HINCRBY', month, 'reserved_micro_usd', usd)
redis.call('EXPIRE', day, ARGV[5])
redis.call('EXPIRE', month, ARGV[6])
return 'ok'
`);

/** KEYS: day, month. ARGV: reserved tokens and micro-USD, then requests, prompt, completion, micro-USD spent. */
const SETTLE = new LuaScript(`
-- 0 - x, not -x: Lua's -0 reaches Redis as "-0", which HINCRBY refuses.
redis.call('HINCRBY', KEYS[1], 'reserved_tokens', 0 - ARGV[1])
redis.call('HINCRBY', KEYS[2], 'reserved_micro_usd', 0 - ARGV[2])
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'requests', ARGV[3])
  redis.call('HINCRBY', key, 'prompt', ARGV[4])
  redis.call('HINCRBY', key, 'completion', ARGV[5])
  redis.call('HINCRBY', key, 'tokens', ARGV[4] + ARGV[5])
  redis.call('HINCRBY', key, 'micro_usd', ARGV[6])
end
return 'ok'
`);

const READ = new LuaScript(`
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }
`);

function emptyCounters(): Counters {
  return {
    requests: 0,
    prompt: 0,
    completion: 0,
    tokens: 0,
    micro_usd: 0,
    reserved_tokens: 0,
    reserved_micro_usd: 0,
  };
}

function countersOf(flat: unknown): Counters {
  const counters = emptyCounters();
  if (!Array.isArray(flat)) return counters;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = String(flat[i]) as keyof Counters;
    if (field in counters) counters[field] = Number(flat[i + 1]);
  }
  return counters;
}

function asUsage(counters: Counters): PeriodUsage {
  return {
    requests: counters.requests,
    prompt_tokens: counters.prompt,
    completion_tokens: counters.completion,
    usd: counters.micro_usd / MICRO,
  };
}

/**
 * Each API key's usage by UTC day and month, and its token and USD budgets:
 * a request reserves its worst case before the provider is called and settles
 * with what it really spent. In Redis one script does each step, so replicas
 * racing on one budget never overspend by more than one request's worst case;
 * without Redis, in this process.
 */
@Injectable()
export class UsageLedger {
  private readonly limits: Readonly<Record<string, KeyLimits>>;
  private readonly memory = new Map<string, Counters>();

  constructor(
    private readonly redis: RedisConnection,
    config: ConfigService<AllConfig, true>,
  ) {
    this.limits = config.get('app.keyLimits', { infer: true });
  }

  limitsOf(keyId: string): KeyLimits {
    return this.limits[keyId] ?? {};
  }

  /** Throws BudgetExceededError, calling nothing, when `tokens` or `usd` more would cross a budget. */
  async reserve(
    keyId: string,
    tokens: number,
    usd: number,
    now = new Date(),
  ): Promise<Reservation> {
    const periods = periodsAt(now);
    const { tokens_per_day, usd_per_month } = this.limitsOf(keyId);
    const reservation: Reservation = {
      keyId,
      periods,
      tokens: tokens_per_day === undefined ? 0 : Math.ceil(tokens),
      microUsd: usd_per_month === undefined ? 0 : Math.ceil(usd * MICRO),
    };
    if (tokens_per_day === undefined && usd_per_month === undefined) return reservation;
    const limits = [tokens_per_day ?? -1, usd_per_month === undefined ? -1 : usd_per_month * MICRO];
    const verdict =
      (await this.inRedis(RESERVE, keyId, periods, [
        ...limits,
        reservation.tokens,
        reservation.microUsd,
        DAY_TTL_SECONDS,
        MONTH_TTL_SECONDS,
      ])) ?? this.reserveInMemory(reservation, limits);
    if (verdict === 'tokens_per_day') {
      throw new BudgetExceededError(verdict, secondsUntil(periods.dayEndsAt, now));
    }
    if (verdict === 'usd_per_month') {
      throw new BudgetExceededError(verdict, secondsUntil(periods.monthEndsAt, now));
    }
    return reservation;
  }

  /** Counts one answered request (a cache hit spends nothing) and frees what it had reserved. */
  settle(reservation: Reservation, spent: Spent): Promise<void> {
    return this.record(reservation, 1, spent);
  }

  /** Frees a reservation whose request was never answered. */
  release(reservation: Reservation): Promise<void> {
    return this.record(reservation, 0, { promptTokens: 0, completionTokens: 0, usd: 0 });
  }

  async usageOf(
    keyId: string,
    now = new Date(),
  ): Promise<{ day: PeriodUsage; month: PeriodUsage }> {
    const periods = periodsAt(now);
    const read = await this.inRedis(READ, keyId, periods, []);
    const [day, month] = Array.isArray(read)
      ? read.map(countersOf)
      : [this.countersIn(`${keyId}:${periods.day}`), this.countersIn(`${keyId}:${periods.month}`)];
    return { day: asUsage(day ?? emptyCounters()), month: asUsage(month ?? emptyCounters()) };
  }

  private async record(reservation: Reservation, requests: number, spent: Spent): Promise<void> {
    const { keyId, periods, tokens, microUsd } = reservation;
    const spentMicroUsd = Math.round(spent.usd * MICRO);
    const steps = [
      tokens,
      microUsd,
      requests,
      spent.promptTokens,
      spent.completionTokens,
      spentMicroUsd,
    ];
    if ((await this.inRedis(SETTLE, keyId, periods, steps)) !== undefined) return;
    const day = this.countersIn(`${keyId}:${periods.day}`);
    const month = this.countersIn(`${keyId}:${periods.month}`);
    day.reserved_tokens -= tokens;
    month.reserved_micro_usd -= microUsd;
    for (const counters of [day, month]) {
      counters.requests += requests;
      counters.prompt += spent.promptTokens;
      counters.completion += spent.completionTokens;
      counters.tokens += spent.promptTokens + spent.completionTokens;
      counters.micro_usd += spentMicroUsd;
    }
  }

  private reserveInMemory(reservation: Reservation, [tokenLimit, usdLimit]: number[]): string {
    const day = this.countersIn(`${reservation.keyId}:${reservation.periods.day}`);
    const month = this.countersIn(`${reservation.keyId}:${reservation.periods.month}`);
    if (tokenLimit! >= 0 && day.tokens + day.reserved_tokens + reservation.tokens > tokenLimit!) {
      return 'tokens_per_day';
    }
    if (
      usdLimit! >= 0 &&
      month.micro_usd + month.reserved_micro_usd + reservation.microUsd > usdLimit!
    ) {
      return 'usd_per_month';
    }
    day.reserved_tokens += reservation.tokens;
    month.reserved_micro_usd += reservation.microUsd;
    return 'ok';
  }

  /** One entry per key and period: bounded by API_KEYS; a past period's are dropped when a new one starts. */
  private countersIn(id: string): Counters {
    let counters = this.memory.get(id);
    if (!counters) {
      const keyId = id.slice(0, id.lastIndexOf(':'));
      for (const stale of this.memory.keys()) {
        if (stale.startsWith(`${keyId}:`) && stale.length === id.length && stale !== id) {
          this.memory.delete(stale);
        }
      }
      counters = emptyCounters();
      this.memory.set(id, counters);
    }
    return counters;
  }

  /** The script's reply; undefined without Redis or while it is away, for this process to count instead. */
  private async inRedis(
    script: LuaScript,
    keyId: string,
    periods: UsagePeriods,
    args: number[],
  ): Promise<unknown> {
    const client = this.redis.client;
    if (!client || !this.redis.isReady) return undefined;
    // The braces are the hash tag: a key's day and month share one Cluster slot, as one script needs.
    const base = `${this.redis.keyPrefix}usage:{${keyId}}`;
    const reply = script.run(client, {
      keys: [`${base}:day:${periods.day}`, `${base}:month:${periods.month}`],
      arguments: args.map(String),
    });
    return withinReplyDeadline(reply).catch(() => undefined);
  }
}

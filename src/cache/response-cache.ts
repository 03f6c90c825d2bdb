import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createCache, type Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { AllConfig } from '../config/configuration';
import type { CacheConfig } from '../config/cache.config';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import {
  LlmProvider,
  type LlmCompletion,
  type LlmRequest,
  type WireRequest,
} from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { withinReplyDeadline } from '../redis/reply-deadline';
import { CacheRedisConnection } from './cache-redis.connection';
import { memoryTier, redisTier } from './cache-tiers';
import { InFlightCalls } from './in-flight-calls';
import { responseCacheKey, wireResponseCacheKey } from './response-cache-key';

/** A cached answer is handed to every request that hits it: none may change it for the others. */
function frozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) frozen(item);
  return Object.freeze(value);
}

export interface Cached<T> {
  value: T;
  /** True when no provider call was made for this request. */
  cached: boolean;
}

export interface CachedCompletion {
  completion: LlmCompletion;
  /** True when no provider call was made for this request. */
  cached: boolean;
}

/**
 * Answers of non-streaming chats: cache-manager over an in-process tier and,
 * when Redis is configured, a Redis tier shared by the replicas. Concurrent
 * identical requests on one replica share one provider call.
 */
@Injectable()
export class ResponseCache {
  private readonly settings: CacheConfig;
  private readonly provider: string;
  private readonly memory: Keyv;
  private readonly shared: Keyv | undefined;
  private readonly tiers: Cache;
  private readonly inFlight = new InFlightCalls<object>();

  constructor(
    config: ConfigService<AllConfig, true>,
    llm: LlmProvider,
    redis: CacheRedisConnection,
    private readonly metrics: Metrics,
  ) {
    this.settings = config.get('cache', { infer: true });
    const upstreams = config.get('llm.upstreams', { infer: true });
    this.provider = `${llm.name}:${upstreams.map(({ baseUrl }) => baseUrl ?? 'default').join(',')}`;
    this.memory = memoryTier(this.settings);
    this.shared = redisTier(redis);
    this.tiers = createCache({
      ttl: this.settings.ttlMs,
      stores: this.shared ? [this.memory, this.shared] : [this.memory],
    });
  }

  async getOrCompute(
    request: LlmRequest,
    ownerId: string | null,
    signal: AbortSignal,
    compute: (signal: AbortSignal) => Promise<LlmCompletion>,
  ): Promise<CachedCompletion> {
    if (!this.settings.enabled) return { completion: await compute(signal), cached: false };
    const key = await responseCacheKey(this.provider, request, ownerId);
    const { value, cached } = await this.answer(key, signal, compute);
    return { completion: value, cached };
  }

  /** The OpenAI-compatible route's answers, keyed by the whole request as the caller sent it. */
  async getOrComputeWire(
    request: WireRequest,
    ownerId: string | null,
    signal: AbortSignal,
    compute: (signal: AbortSignal) => Promise<ChatCompletion>,
  ): Promise<Cached<ChatCompletion>> {
    if (!this.settings.enabled) return { value: await compute(signal), cached: false };
    return this.answer(
      await wireResponseCacheKey(this.provider, request, ownerId),
      signal,
      compute,
    );
  }

  private async answer<T extends object>(
    key: string,
    signal: AbortSignal,
    compute: (signal: AbortSignal) => Promise<T>,
  ): Promise<Cached<T>> {
    const stored = await this.lookUp<T>(key);
    if (stored) return this.hit(stored);
    const { value, joined } = await this.inFlight.run(key, signal, async (shared) => {
      const answer = frozen(await compute(shared));
      this.store(key, answer);
      return answer;
    });
    if (joined) return this.hit(value as T);
    this.metrics.cacheRequests.inc({ result: 'miss' });
    return { value: value as T, cached: false };
  }

  /** This replica's tier, then the shared one, whose hit is copied here for the next request. */
  private async lookUp<T>(key: string): Promise<T | undefined> {
    const inMemory = await this.memory.get<T>(key);
    if (inMemory !== undefined || !this.shared) return inMemory;
    // A Redis that does not answer in time is a miss, like one that is down.
    const entry = await withinReplyDeadline(this.shared.get<T>(key, { raw: true })).catch(
      () => undefined,
    );
    if (entry?.value === undefined) return undefined;
    const answer = frozen(entry.value);
    // cache-manager's get() does not back-fill; the copy expires with the shared entry.
    const ttl =
      typeof entry.expires === 'number' ? entry.expires - Date.now() : this.settings.ttlMs;
    if (ttl > 0) await this.memory.set(key, answer, ttl);
    return answer;
  }

  /** Started, never awaited: the answer does not wait on Redis, and a failed write is only a later miss. */
  private store(key: string, answer: object): void {
    this.tiers.set(key, answer).catch(() => undefined);
  }

  private hit<T>(value: T): Cached<T> {
    this.metrics.cacheRequests.inc({ result: 'hit' });
    return { value, cached: true };
  }
}

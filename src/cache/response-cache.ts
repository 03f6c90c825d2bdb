import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createCache, type Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { AllConfig } from '../config/configuration';
import type { CacheConfig } from '../config/cache.config';
import { LlmProvider, type LlmCompletion, type LlmRequest } from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { RedisConnection } from '../redis/redis.connection';
import { withinReplyDeadline } from '../redis/reply-deadline';
import { memoryTier, redisTier } from './cache-tiers';
import { InFlightCalls } from './in-flight-calls';
import { responseCacheKey } from './response-cache-key';

/** A cached answer is handed to every request that hits it: none may change it for the others. */
function frozen(completion: LlmCompletion): LlmCompletion {
  return Object.freeze({
    ...completion,
    usage: completion.usage && Object.freeze({ ...completion.usage }),
  });
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
  private readonly inFlight = new InFlightCalls<LlmCompletion>();

  constructor(
    config: ConfigService<AllConfig, true>,
    llm: LlmProvider,
    redis: RedisConnection,
    private readonly metrics: Metrics,
  ) {
    this.settings = config.get('cache', { infer: true });
    this.provider = `${llm.name}:${config.get('llm.baseUrl', { infer: true }) ?? 'default'}`;
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
    const stored = await this.lookUp(key);
    if (stored) return this.hit(stored);
    const { value, joined } = await this.inFlight.run(key, signal, async (shared) => {
      const completion = frozen(await compute(shared));
      this.store(key, completion);
      return completion;
    });
    if (joined) return this.hit(value);
    this.metrics.cacheRequests.inc({ result: 'miss' });
    return { completion: value, cached: false };
  }

  /** This replica's tier, then the shared one, whose hit is copied here for the next request. */
  private async lookUp(key: string): Promise<LlmCompletion | undefined> {
    const inMemory = await this.memory.get<LlmCompletion>(key);
    if (inMemory !== undefined || !this.shared) return inMemory;
    // A Redis that does not answer in time is a miss, like one that is down.
    const entry = await withinReplyDeadline(
      this.shared.get<LlmCompletion>(key, { raw: true }),
    ).catch(() => undefined);
    if (entry?.value === undefined) return undefined;
    const completion = frozen(entry.value);
    // cache-manager's get() does not back-fill; the copy expires with the shared entry.
    const ttl =
      typeof entry.expires === 'number' ? entry.expires - Date.now() : this.settings.ttlMs;
    if (ttl > 0) await this.memory.set(key, completion, ttl);
    return completion;
  }

  /** Started, never awaited: the answer does not wait on Redis, and a failed write is only a later miss. */
  private store(key: string, completion: LlmCompletion): void {
    this.tiers.set(key, completion).catch(() => undefined);
  }

  private hit(completion: LlmCompletion): CachedCompletion {
    this.metrics.cacheRequests.inc({ result: 'hit' });
    return { completion, cached: true };
  }
}

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import type { AllConfig } from '../config/configuration';
import type { CacheConfig } from '../config/cache.config';
import { LlmProvider, type LlmCompletion, type LlmRequest } from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { RedisConnection } from '../redis/redis.connection';
import { InFlightCalls } from './in-flight-calls';
import { RedisKeyvStore } from './redis-keyv.store';
import { inlineResponseCacheKey, responseCacheKey } from './response-cache-key';

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

/** A cached answer is handed to every request that hits it: none may change it for the others. */
function frozen(completion: LlmCompletion): LlmCompletion {
  return Object.freeze({
    ...completion,
    usage: completion.usage && Object.freeze({ ...completion.usage }),
  });
}

interface SharedTier {
  store: RedisKeyvStore;
  keyv: Keyv;
}

/** A shared entry read ahead of the lookup: its serialized value, or undefined when absent or unreadable. */
export interface SharedEntryRead {
  key: string;
  value: string | undefined;
}

export interface CachedCompletion {
  completion: LlmCompletion;
  /** True when no provider call was made for this request. */
  cached: boolean;
}

/**
 * Answers of non-streaming chats: an in-process LRU (bounded by entries and
 * bytes) in front of Redis when configured. Concurrent identical requests on
 * one replica share one provider call.
 */
@Injectable()
export class ResponseCache {
  private readonly settings: CacheConfig;
  private readonly provider: string;
  private readonly lru: LRUCache<string, object>;
  private readonly localTier: Keyv;
  private readonly shared: SharedTier | undefined;
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
    // The in-process tier keeps Keyv's entries as objects, so a hit parses nothing; an entry
    // counts for the bytes of its JSON, as it would take in Redis.
    this.lru = new LRUCache<string, object>({
      max: this.settings.maxEntries,
      maxSize: this.settings.maxBytes,
      sizeCalculation: (entry) => Math.max(1, Buffer.byteLength(JSON.stringify(entry))),
    });
    this.localTier = new Keyv({
      store: keyvLruStore(this.lru),
      serialize: undefined,
      deserialize: undefined,
      useKeyPrefix: false,
    });
    if (redis.client) {
      const store = new RedisKeyvStore(redis, `${redis.keyPrefix}cache:`);
      this.shared = { store, keyv: new Keyv({ store, useKeyPrefix: false }) };
    }
    this.tiers = createCache({
      ttl: this.settings.ttlMs,
      stores: [this.localTier, ...(this.shared ? [this.shared.keyv] : [])],
    });
  }

  /** True when answers are looked up in Redis too, so a lookup may be read ahead. */
  get isShared(): boolean {
    return this.settings.enabled && this.shared !== undefined;
  }

  /**
   * Sends the read of the shared entry that would answer `request`, unless this
   * replica holds the answer; hand the result to `getOrCompute`.
   */
  readAhead(request: LlmRequest, ownerId: string | null): Promise<SharedEntryRead> | undefined {
    if (!this.settings.enabled || !this.shared) return undefined;
    // Sent now, with the rate-limit count, or not at all: no waiting on the thread pool here.
    const key = inlineResponseCacheKey(this.provider, request, ownerId);
    if (key === undefined || this.lru.has(key)) return undefined;
    return this.shared.store.read(key).then((value) => ({ key, value }));
  }

  async getOrCompute(
    request: LlmRequest,
    ownerId: string | null,
    signal: AbortSignal,
    compute: (signal: AbortSignal) => Promise<LlmCompletion>,
    readAhead?: Promise<SharedEntryRead>,
  ): Promise<CachedCompletion> {
    if (!this.settings.enabled) return { completion: await compute(signal), cached: false };
    const key = await responseCacheKey(this.provider, request, ownerId);
    const stored = await this.lookUp(key, readAhead);
    if (stored) return this.hit(stored);
    const { value, joined } = await this.inFlight.run(key, signal, async (shared) => {
      const completion = frozen(await compute(shared));
      await this.tiers.set(key, completion);
      return completion;
    });
    if (joined) return this.hit(value);
    this.metrics.cacheRequests.inc({ result: 'miss' });
    return { completion: value, cached: false };
  }

  /** Both tiers in turn; the shared one is not asked again when its entry for `key` was read ahead. */
  private async lookUp(
    key: string,
    readAhead: Promise<SharedEntryRead> | undefined,
  ): Promise<LlmCompletion | undefined> {
    const read = await readAhead;
    if (!this.shared || read?.key !== key) return this.tiers.get<LlmCompletion>(key);
    const inMemory = await this.localTier.get<LlmCompletion>(key);
    if (inMemory || read.value === undefined) return inMemory;
    const entry = await this.shared.keyv.deserialize?.<LlmCompletion>(read.value);
    const expired = typeof entry?.expires === 'number' && Date.now() > entry.expires;
    return expired ? undefined : entry?.value;
  }

  private hit(completion: LlmCompletion): CachedCompletion {
    this.metrics.cacheRequests.inc({ result: 'hit' });
    return { completion, cached: true };
  }
}

import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { LRUCache } from 'lru-cache';
import { toStorageRecord } from './throttler-record';

/** Clients one replica keeps counting while Redis is away; past it the least recent lose their count. */
export const MEMORY_THROTTLER_MAX_CLIENTS = 10_000;

interface Window {
  hits: number;
  endsAt: number;
  blocked: boolean;
}

/**
 * Fixed windows in this process, the same rules as the Redis script, bounded so
 * that a flood of distinct clients evicts old windows instead of growing memory.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows: LRUCache<string, Window>;

  constructor(maxClients = MEMORY_THROTTLER_MAX_CLIENTS) {
    this.windows = new LRUCache({ max: maxClients });
  }

  /** Clients with a window held right now. */
  get size(): number {
    return this.windows.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit, blockDuration, Date.now()));
  }

  private hit(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    now: number,
  ): ThrottlerStorageRecord {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl, blocked: false };
      this.windows.set(key, window);
    }
    const leftMs = window.endsAt - now;
    if (window.blocked) return toStorageRecord(window.hits, leftMs, leftMs);
    window.hits += 1;
    if (window.hits <= limit) return toStorageRecord(window.hits, leftMs, 0);
    if (blockDuration <= 0) return toStorageRecord(window.hits, leftMs, leftMs);
    // The block replaces the window, so the client starts a fresh count once it ends.
    window.blocked = true;
    window.endsAt = now + blockDuration;
    return toStorageRecord(window.hits, blockDuration, blockDuration);
  }
}

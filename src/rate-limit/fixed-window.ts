import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** A fixed-window count: hits so far and milliseconds until the window frees. */
export interface WindowCount {
  hits: number;
  remainingMs: number;
}

/** Throttler's view of a window count; a client over the limit is blocked until the window ends. */
export function toThrottlerRecord(
  { hits, remainingMs }: WindowCount,
  limit: number,
): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const isBlocked = hits > limit;
  return {
    totalHits: hits,
    timeToExpire: seconds,
    isBlocked,
    timeToBlockExpire: isBlocked ? seconds : 0,
  };
}

/** Per-replica windows, used without Redis and while Redis is away; expired windows are swept. */
export class MemoryFixedWindows {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();
  private nextSweepAt = 0;

  hit(key: string, windowMs: number, now = Date.now()): WindowCount {
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return { hits: window.hits, remainingMs: window.endsAt - now };
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 10_000;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

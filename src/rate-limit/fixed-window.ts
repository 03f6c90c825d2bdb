/** A fixed-window count: hits so far and milliseconds until the window frees. */
export interface WindowCount {
  hits: number;
  remainingMs: number;
}

/** Whole seconds until the window frees, never fewer than one: what Retry-After and X-RateLimit-Reset say. */
export function secondsLeft({ remainingMs }: WindowCount): number {
  return Math.max(1, Math.ceil(remainingMs / 1000));
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

import { setTimeout as sleep } from 'node:timers/promises';
import { RequestAbortedError, RetryableUpstreamError } from './upstream.errors';

/** The longest wait between attempts; a provider asking for more gets its error passed on now. */
const MAX_DELAY_MS = 10_000;

export interface RetryOptions {
  maxRetries: number;
  baseDelayMs: number;
  random?: () => number;
}

/** Full-jitter exponential backoff: a random wait in [0, base × 2^retry], capped. */
export function backoffDelayMs(retry: number, baseDelayMs: number, random = Math.random): number {
  return random() * Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** retry);
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable,
 * or `maxRetries` retries are spent. A provider's Retry-After wins over backoff.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  { maxRetries, baseDelayMs, random }: RetryOptions,
  signal: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry + 1);
    } catch (error) {
      if (!(error instanceof RetryableUpstreamError) || retry >= maxRetries) throw error;
      const delayMs = error.retryAfterMs ?? backoffDelayMs(retry, baseDelayMs, random);
      if (delayMs > MAX_DELAY_MS) throw error;
      await sleep(delayMs, undefined, { signal }).catch(() => {
        throw new RequestAbortedError();
      });
    }
  }
}

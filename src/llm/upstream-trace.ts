import type { ServerResponse } from 'node:http';

/** One call to one upstream for one model, its own retries included. */
export interface UpstreamAttempt {
  upstream: string;
  model: string;
  /** `ok`, or the error code it ended with. */
  outcome: string;
  ms: number;
}

/** What a request's provider calls did: who answered, and how long it waited on providers in all. */
export class UpstreamTrace {
  /** The upstream called last: the one that answered, or the last to fail. */
  upstream: string | undefined;
  waitedMs = 0;
  readonly attempts: UpstreamAttempt[] = [];

  /** An upstream's try, all of it time spent waiting on a provider. */
  record(attempt: UpstreamAttempt): void {
    this.upstream = attempt.upstream;
    this.waitedMs += attempt.ms;
    this.attempts.push(attempt);
  }

  /** A committed stream's wait for the provider's next piece. */
  waited(ms: number): void {
    this.waitedMs += ms;
  }

  /** Headers of a response that called a provider; seconds rounded down, so never above X-Process-Time. */
  headers(): Record<string, string> {
    if (this.upstream === undefined) return {};
    return {
      'X-LLM-Upstream': this.upstream,
      'X-Upstream-Time': (Math.floor(this.waitedMs * 1000) / 1e6).toFixed(6),
    };
  }

  /** The request log line's fields. */
  logFields(): object {
    return this.attempts.length === 0
      ? {}
      : {
          upstream: this.upstream,
          upstream_ms: Math.round(this.waitedMs),
          attempts: this.attempts.map((attempt) => ({ ...attempt, ms: Math.round(attempt.ms) })),
        };
  }
}

const traces = new WeakMap<ServerResponse, UpstreamTrace>();

/** The request's trace, made on first use by a route that calls a provider. */
export function upstreamTraceOf(res: ServerResponse): UpstreamTrace {
  let trace = traces.get(res);
  if (!trace) {
    trace = new UpstreamTrace();
    traces.set(res, trace);
  }
  return trace;
}

/** The trace of a request that called, or was ready to call, a provider. */
export function existingUpstreamTrace(res: ServerResponse): UpstreamTrace | undefined {
  return traces.get(res);
}

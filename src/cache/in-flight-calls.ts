import { RequestAbortedError } from '../llm/upstream.errors';

interface SharedCall<T> {
  result: Promise<T>;
  controller: AbortController;
  waiters: number;
}

function untilAborted<T>(result: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new RequestAbortedError()), { once: true });
    result.then(resolve, reject);
  });
}

/**
 * Identical concurrent work runs once: later callers join the call in flight.
 * The shared call is cancelled only when every caller waiting on it has left.
 */
export class InFlightCalls<T> {
  private readonly calls = new Map<string, SharedCall<T>>();

  async run(
    key: string,
    signal: AbortSignal,
    start: (signal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; joined: boolean }> {
    if (signal.aborted) throw new RequestAbortedError();
    // A call its last waiter cancelled may not have settled yet; it must not be joined.
    const running = this.calls.get(key);
    const existing = running?.controller.signal.aborted ? undefined : running;
    const call = existing ?? this.start(key, start);
    call.waiters += 1;
    const leave = () => {
      call.waiters -= 1;
      if (call.waiters === 0) call.controller.abort();
    };
    signal.addEventListener('abort', leave, { once: true });
    try {
      return { value: await untilAborted(call.result, signal), joined: existing !== undefined };
    } finally {
      signal.removeEventListener('abort', leave);
    }
  }

  private start(key: string, start: (signal: AbortSignal) => Promise<T>): SharedCall<T> {
    const controller = new AbortController();
    const forget = () => {
      if (this.calls.get(key) === call) this.calls.delete(key);
    };
    const call: SharedCall<T> = {
      controller,
      waiters: 0,
      result: start(controller.signal).finally(forget),
    };
    this.calls.set(key, call);
    return call;
  }
}

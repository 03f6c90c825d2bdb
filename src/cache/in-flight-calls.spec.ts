import { RequestAbortedError } from '../llm/upstream.errors';
import { InFlightCalls } from './in-flight-calls';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Provider calls the test finishes by hand, oldest first; an aborted call rejects at once. */
class ControlledCall {
  readonly signals: AbortSignal[] = [];
  private pending: Deferred<string>[] = [];

  readonly start = (signal: AbortSignal): Promise<string> => {
    this.signals.push(signal);
    const call = deferred<string>();
    this.pending.push(call);
    const cancel = () => {
      this.pending = this.pending.filter((other) => other !== call);
      call.reject(new RequestAbortedError());
    };
    signal.addEventListener('abort', cancel, { once: true });
    return call.promise;
  };

  get count(): number {
    return this.signals.length;
  }

  finish(value: string): void {
    this.pending.shift()?.resolve(value);
  }

  fail(error: Error): void {
    this.pending.shift()?.reject(error);
  }
}

/** Lets promise callbacks already queued run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('InFlightCalls', () => {
  let sut: InFlightCalls<string>;
  let call: ControlledCall;

  beforeEach(() => {
    sut = new InFlightCalls<string>();
    call = new ControlledCall();
  });

  it('lets a second caller with the same key join the running call', async () => {
    const first = sut.run('key', new AbortController().signal, call.start);
    const second = sut.run('key', new AbortController().signal, call.start);

    call.finish('answer');

    await expect(first).resolves.toEqual({ value: 'answer', joined: false });
    await expect(second).resolves.toEqual({ value: 'answer', joined: true });
    expect(call.count).toBe(1);
  });

  it('runs calls with different keys separately', async () => {
    const first = sut.run('one', new AbortController().signal, call.start);
    const second = sut.run('two', new AbortController().signal, call.start);

    call.finish('first');
    call.finish('second');

    await expect(first).resolves.toEqual({ value: 'first', joined: false });
    await expect(second).resolves.toEqual({ value: 'second', joined: false });
    expect(call.count).toBe(2);
  });

  it('does not cancel the shared call when one waiter leaves while others still wait', async () => {
    const leaving = new AbortController();
    const first = sut.run('key', leaving.signal, call.start);
    const second = sut.run('key', new AbortController().signal, call.start);

    leaving.abort();

    await expect(first).rejects.toBeInstanceOf(RequestAbortedError);
    expect(call.signals[0]?.aborted).toBe(false);
    call.finish('answer');
    await expect(second).resolves.toEqual({ value: 'answer', joined: true });
  });

  it('cancels the shared call when the last waiter leaves', async () => {
    const clients = [new AbortController(), new AbortController()];
    const runs = clients.map((client) => sut.run('key', client.signal, call.start));

    clients[1]?.abort();
    expect(call.signals[0]?.aborted).toBe(false);
    clients[0]?.abort();

    expect(call.signals[0]?.aborted).toBe(true);
    for (const run of runs) await expect(run).rejects.toBeInstanceOf(RequestAbortedError);
  });

  it('forgets a finished call: the next caller starts a new one', async () => {
    const first = sut.run('key', new AbortController().signal, call.start);
    call.finish('old');
    await first;

    const second = sut.run('key', new AbortController().signal, call.start);
    call.finish('new');

    await expect(second).resolves.toEqual({ value: 'new', joined: false });
    expect(call.count).toBe(2);
  });

  it('passes a failure to every waiter, then forgets the call', async () => {
    const runs = [1, 2].map(() => sut.run('key', new AbortController().signal, call.start));
    const failure = new Error('provider down');

    call.fail(failure);

    for (const run of runs) await expect(run).rejects.toBe(failure);
    const retry = sut.run('key', new AbortController().signal, call.start);
    call.finish('answer');
    await expect(retry).resolves.toEqual({ value: 'answer', joined: false });
  });

  it('refuses a caller that has already left, without starting a call', async () => {
    const gone = new AbortController();
    gone.abort();

    await expect(sut.run('key', gone.signal, call.start)).rejects.toBeInstanceOf(
      RequestAbortedError,
    );
    expect(call.count).toBe(0);
  });

  it('starts a new call for a caller arriving after the last waiter cancelled the old one', async () => {
    const leaving = new AbortController();
    const cancelled = sut.run('key', leaving.signal, call.start).catch((error: unknown) => error);
    leaving.abort();

    const later = sut.run('key', new AbortController().signal, call.start);
    await settle();
    call.finish('answer');

    expect(await cancelled).toBeInstanceOf(RequestAbortedError);
    await expect(later).resolves.toEqual({ value: 'answer', joined: false });
    expect(call.count).toBe(2);
  });

  it('keeps the newer call joinable when the cancelled one settles late', async () => {
    let settleOld!: () => void;
    const slowToStop = (signal: AbortSignal): Promise<string> => {
      call.signals.push(signal);
      // Like a socket that takes a moment to close after the abort.
      return new Promise((_, reject) => {
        settleOld = () => reject(new RequestAbortedError());
      });
    };
    const leaving = new AbortController();
    const cancelled = sut.run('key', leaving.signal, slowToStop).catch(() => undefined);
    leaving.abort();
    const newer = sut.run('key', new AbortController().signal, call.start);

    settleOld();
    await cancelled;
    await settle();
    const joining = sut.run('key', new AbortController().signal, call.start);
    call.finish('answer');

    await expect(newer).resolves.toEqual({ value: 'answer', joined: false });
    await expect(joining).resolves.toEqual({ value: 'answer', joined: true });
  });
});

import { EventEmitter } from 'node:events';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { ServerResponse } from 'node:http';
import type { ConfigService } from '@nestjs/config';
import type { PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';
import { AttemptDeadline } from '../llm/attempt-deadline';
import { Drain } from './drain';
import { clientLeft, requestSignal, shutdownReason } from './request-signal';
import { ShuttingDownError } from './shutting-down.error';

/** The parts of a Node response the request signal watches. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  writableFinished = false;

  finish(): void {
    this.writableFinished = true;
    this.emit('close');
  }

  hangUp(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const asResponse = (res: FakeResponse) => res as unknown as ServerResponse;

function drainWithin(shutdownTimeoutMs: number): Drain {
  const config = { get: () => shutdownTimeoutMs } as unknown as ConfigService<AllConfig, true>;
  const logger = { info: jest.fn(), warn: jest.fn() } as unknown as PinoLogger;
  return new Drain(config, logger);
}

describe('requestSignal', () => {
  it('is one signal per request, aborted when the client hangs up', () => {
    const res = new FakeResponse();
    const signal = requestSignal(asResponse(res));
    expect(requestSignal(asResponse(res))).toBe(signal);
    expect(signal.aborted).toBe(false);
    res.hangUp();
    expect(signal.aborted).toBe(true);
    expect(clientLeft(signal)).toBe(true);
    expect(shutdownReason(signal)).toBeUndefined();
  });

  it('stays quiet when the response completes', () => {
    const res = new FakeResponse();
    const signal = requestSignal(asResponse(res));
    res.finish();
    expect(signal.aborted).toBe(false);
  });

  it('starts aborted for a response already destroyed', () => {
    const res = new FakeResponse();
    res.destroyed = true;
    expect(requestSignal(asResponse(res)).aborted).toBe(true);
  });
});

describe('Drain', () => {
  it('cuts short, with a ShuttingDownError, the requests still running at the deadline', async () => {
    const drain = drainWithin(20);
    const done = new FakeResponse();
    const running = new FakeResponse();
    for (const res of [done, running]) drain.requestStarted(asResponse(res));
    const doneSignal = requestSignal(asResponse(done));
    const runningSignal = requestSignal(asResponse(running));
    done.finish();
    drain.requestEnded(asResponse(done));

    const shutdown = drain.beforeApplicationShutdown('SIGTERM');
    expect(drain.isDraining).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runningSignal.aborted).toBe(true);
    expect(shutdownReason(runningSignal)).toBeInstanceOf(ShuttingDownError);
    expect(clientLeft(runningSignal)).toBe(false);
    expect(doneSignal.aborted).toBe(false);

    running.finish();
    drain.requestEnded(asResponse(running));
    await shutdown;
  });

  it('waits for requests that finish before the deadline without cutting them', async () => {
    const drain = drainWithin(2_000);
    const res = new FakeResponse();
    drain.requestStarted(asResponse(res));
    const signal = requestSignal(asResponse(res));
    const shutdown = drain.beforeApplicationShutdown('SIGTERM');
    setTimeout(() => {
      res.finish();
      drain.requestEnded(asResponse(res));
    }, 30);
    await shutdown;
    expect(signal.aborted).toBe(false);
  });
});

/** Requests whose provider attempt ran to completion; `watch` sees each attempt's signal. */
function serveRequests(drain: Drain, count: number, watch: (signal: AbortSignal) => void): void {
  for (let i = 0; i < count; i++) {
    const res = new FakeResponse();
    drain.requestStarted(asResponse(res));
    const deadline = new AttemptDeadline(60_000, requestSignal(asResponse(res)));
    // As the SDK and undici do: an abort listener on the attempt's signal.
    deadline.signal.addEventListener('abort', () => undefined, { once: true });
    watch(deadline.signal);
    deadline.clear();
    res.finish();
    drain.requestEnded(asResponse(res));
  }
}

describe('per-request signals and memory', () => {
  setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;

  it('are collected once their request is over, while shutdown is still pending', async () => {
    // Drain outlives every request, as it does in the service.
    const drain = drainWithin(60_000);
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected += 1;
    });
    const REQUESTS = 200;
    serveRequests(drain, REQUESTS, (signal) => registry.register(signal, null));
    for (let round = 0; round < 10 && collected < REQUESTS; round++) {
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(collected).toBe(REQUESTS);
  });
});

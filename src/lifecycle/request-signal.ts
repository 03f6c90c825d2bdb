import type { ServerResponse } from 'node:http';
import { ShuttingDownError } from './shutting-down.error';

const controllers = new WeakMap<ServerResponse, AbortController>();

/**
 * The signal that stops a request's work: it aborts when the client goes away
 * before its response is complete, or with a ShuttingDownError reason when
 * shutdown can wait no longer. One controller per request, never combined with
 * a process-wide signal, so nothing long-lived holds on to finished requests.
 */
export function requestSignal(res: ServerResponse): AbortSignal {
  const existing = controllers.get(res);
  if (existing) return existing.signal;
  const controller = new AbortController();
  if (res.destroyed) controller.abort();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  controllers.set(res, controller);
  return controller.signal;
}

/** Aborts the request's work, if it has any, with a ShuttingDownError reason. */
export function cutShort(res: ServerResponse): void {
  controllers.get(res)?.abort(new ShuttingDownError());
}

/** The reason work stopped, when it was shutdown rather than the client. */
export function shutdownReason(signal: AbortSignal): ShuttingDownError | undefined {
  return signal.reason instanceof ShuttingDownError ? signal.reason : undefined;
}

/** True when the client left: there is no one to send anything more to. */
export function clientLeft(signal: AbortSignal): boolean {
  return signal.aborted && !shutdownReason(signal);
}

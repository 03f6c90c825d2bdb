import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

interface RequestWithId {
  id?: unknown;
}

/** A request's id: the caller's X-Request-ID when it is a sane token, else a fresh one. */
export function newRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function requestIdOf(req: RequestWithId): string {
  return typeof req.id === 'string' ? req.id : 'unknown';
}

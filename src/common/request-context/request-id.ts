import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

type RequestWithId = IncomingMessage & { id?: unknown };

/**
 * The request's id: the caller's X-Request-ID when it is a sane token, else a
 * fresh one. Idempotent, so the logger and the middleware may both ask first.
 */
export function assignRequestId(req: RequestWithId, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader('X-Request-ID', id);
  return id;
}

export function requestIdOf(req: RequestWithId): string {
  return typeof req.id === 'string' ? req.id : 'unknown';
}

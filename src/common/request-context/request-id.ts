import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A fresh id, or the caller's X-Request-ID when it is a sane token. */
export function newRequestId(req?: IncomingMessage): string {
  const incoming = req?.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Gives a request its id before anything else runs (Swagger's pages and body
 * errors included): pino-http then logs under it, and the response carries it.
 */
export function identifyRequest(
  req: IncomingMessage & { id?: unknown },
  res: ServerResponse,
  next: () => void,
): void {
  req.id = newRequestId(req);
  res.setHeader('X-Request-ID', req.id);
  next();
}

export function requestIdOf(req: { id?: unknown }): string {
  return typeof req.id === 'string' ? req.id : 'unknown';
}

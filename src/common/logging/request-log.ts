import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestWithCaller } from '../auth/caller';
import { routeOf } from '../request-context/route-of';

/** What a chat answer adds to its request's log line. */
export interface ChatLogFields {
  model: string;
  cached: boolean;
  tokens: number | null;
  cost: number | null;
}

const chatFields = new WeakMap<ServerResponse, ChatLogFields>();

export function setChatLogFields(res: ServerResponse, fields: ChatLogFields): void {
  chatFields.set(res, fields);
}

/** The fields of the one line logged per request, beyond pino-http's own. */
export function requestLogFields(
  req: IncomingMessage,
  res: ServerResponse,
): Record<string, unknown> {
  const { caller, ip } = req as RequestWithCaller;
  return {
    route: routeOf(req),
    client: caller?.keyId ?? ip,
    ...chatFields.get(res),
  };
}

const PROBES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * Probes and scrapes arrive every few seconds and say nothing new. Inside a
 * middleware `url` is relative to where it was mounted; `originalUrl` is whole.
 */
export function isProbe(req: { url?: string; originalUrl?: string }): boolean {
  return PROBES.has(req.originalUrl ?? req.url ?? '');
}

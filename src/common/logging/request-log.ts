import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response } from 'express';
import type { RequestWithCaller } from '../auth/caller';
import { routeOf } from '../request-context/route-of';

/** What a chat answer adds to its request's log line. */
export interface ChatLogFields {
  model: string;
  cached: boolean;
  tokens: number | null;
  cost: number | null;
}

export function setChatLogFields(res: Response, fields: ChatLogFields): void {
  res.locals.chat = fields;
}

/** The fields of the one line logged per request, beyond pino-http's own. */
export function requestLogFields(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Record<string, unknown> {
  // pino-http hands over the raw objects that Express has extended.
  const req = incoming as RequestWithCaller;
  const res = outgoing as Response;
  return {
    route: routeOf(req),
    client: req.caller?.keyId ?? req.ip,
    ...(res.locals.chat as ChatLogFields | undefined),
  };
}

const PROBES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** Probes and scrapes arrive every few seconds and say nothing new. */
export function isProbe(req: { url?: string }): boolean {
  return PROBES.has(req.url ?? '');
}

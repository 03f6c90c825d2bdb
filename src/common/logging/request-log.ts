import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response } from 'express';
import { callerOf } from '../auth/caller';
import { routeOf } from '../request-context/route-of';
import { existingUpstreamTrace } from '../../llm/upstream-trace';

/** What an LLM answer adds to its request's log line. */
export interface LlmLogFields {
  conversation?: string;
  model: string;
  cached: boolean;
  tokens: number | null;
  cost: number | null;
}

type ResponseWithFields = ServerResponse & { locals?: { llm?: LlmLogFields } };

export function setLlmLogFields(res: Response, fields: LlmLogFields): void {
  res.locals.llm = fields;
}

/** pino-http's line for a finished request, with the fields only known once it is over. */
export function withRequestFields(req: IncomingMessage, res: ServerResponse, line: object): object {
  return {
    ...line,
    route: routeOf(req),
    client: callerOf(req).keyId ?? (req as { ip?: string }).ip,
    ...(res as ResponseWithFields).locals?.llm,
    ...existingUpstreamTrace(res)?.logFields(),
  };
}

const PROBES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** Probes and scrapes arrive every few seconds and say nothing new. */
export function isProbe(req: IncomingMessage & { originalUrl?: string }): boolean {
  return PROBES.has(req.originalUrl ?? req.url ?? '');
}

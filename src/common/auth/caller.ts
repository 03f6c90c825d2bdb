import type { IncomingMessage } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export interface Caller {
  /** The API key's id, or null when the service runs without keys. */
  keyId: string | null;
}

/**
 * The caller rides on the raw request, which the request log sees too;
 * `ip` is the client address Fastify worked out, put there for middleware.
 */
export type RequestWithCaller = IncomingMessage & { caller?: Caller; ip?: string };

export const ANONYMOUS: Caller = { keyId: null };

export function rawRequestOf(context: ExecutionContext): RequestWithCaller {
  return context.switchToHttp().getRequest<FastifyRequest>().raw;
}

/** Who is calling, as established by the API key guard. */
export function callerOf(req: RequestWithCaller): Caller {
  return req.caller ?? ANONYMOUS;
}

/** The caller, as a handler's parameter. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller =>
  callerOf(rawRequestOf(context)),
);

import type { IncomingMessage } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

export interface Caller {
  /** The API key's id, or null when the service runs without keys. */
  keyId: string | null;
}

/** The caller rides on the request, where the request log and the rate limiter read it too. */
export type RequestWithCaller = IncomingMessage & { caller?: Caller };

export const ANONYMOUS: Caller = { keyId: null };

export function requestOf(context: ExecutionContext): RequestWithCaller {
  return context.switchToHttp().getRequest<RequestWithCaller>();
}

/** Who is calling, as established by the API key guard. */
export function callerOf(req: IncomingMessage): Caller {
  return (req as RequestWithCaller).caller ?? ANONYMOUS;
}

/** The caller, as a handler's parameter. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller =>
  callerOf(requestOf(context)),
);

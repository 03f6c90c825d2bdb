import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

export interface Caller {
  /** The API key's id, or null when the service runs without keys. */
  keyId: string | null;
}

export type RequestWithCaller = Request & { caller?: Caller };

export const ANONYMOUS: Caller = { keyId: null };

/** Who is calling, as established by the API key guard. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller =>
    context.switchToHttp().getRequest<RequestWithCaller>().caller ?? ANONYMOUS,
);

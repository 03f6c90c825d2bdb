import type { ServerResponse } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestSignal } from './request-signal';

/** The request's work signal: the client left, or shutdown cut the request short. */
export const RequestSignal = createParamDecorator(
  (_: unknown, context: ExecutionContext): AbortSignal =>
    requestSignal(context.switchToHttp().getResponse<ServerResponse>()),
);

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requestSignal } from './request-signal';

/** The request's work signal: the client left, or shutdown cut the request short. */
export const RequestSignal = createParamDecorator(
  (_: unknown, context: ExecutionContext): AbortSignal =>
    requestSignal(context.switchToHttp().getResponse<FastifyReply>().raw),
);

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestIdOf } from './request-id';

/** The request's id, as X-Request-ID gives it back and every log line of the request carries it. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  requestIdOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

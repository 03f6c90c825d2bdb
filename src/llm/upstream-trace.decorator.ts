import type { ServerResponse } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { upstreamTraceOf, type UpstreamTrace } from './upstream-trace';

/** The request's record of its provider calls, for its headers, log line and overhead metric. */
export const RequestUpstreamTrace = createParamDecorator(
  (_: unknown, context: ExecutionContext): UpstreamTrace =>
    upstreamTraceOf(context.switchToHttp().getResponse<ServerResponse>()),
);

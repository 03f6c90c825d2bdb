import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';

/** A signal that aborts as soon as the client goes away before its response is complete. */
export const ClientAbortSignal = createParamDecorator(
  (_: unknown, context: ExecutionContext): AbortSignal => {
    const res = context.switchToHttp().getResponse<Response>();
    const controller = new AbortController();
    if (res.destroyed) controller.abort();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    return controller.signal;
  },
);

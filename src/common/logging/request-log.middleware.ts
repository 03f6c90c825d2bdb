import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { requestIdOf } from '../request-context/request-id';
import { isProbe, requestLogFields } from './request-log';

type RequestWithUrl = IncomingMessage & { originalUrl?: string };

function outcome(res: ServerResponse): string {
  if (!res.writableFinished) return 'request aborted';
  return res.statusCode >= 500 ? 'request errored' : 'request completed';
}

/**
 * Writes the one line per request once its response is done or abandoned.
 * Lines written while the request runs name it by `req.id` themselves: no
 * per-request logger or async context is kept, which on Node 20 would slow
 * down every promise the request creates.
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(private readonly logger: PinoLogger) {}

  use(req: RequestWithUrl, res: ServerResponse, next: () => void): void {
    if (isProbe(req)) return next();
    const started = performance.now();
    res.once('close', () => {
      this.logger.info(
        {
          req: { id: requestIdOf(req), method: req.method, url: req.originalUrl ?? req.url },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
          ...requestLogFields(req, res),
        },
        outcome(res),
      );
    });
    next();
  }
}

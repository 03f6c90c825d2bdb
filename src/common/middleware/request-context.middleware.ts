import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import onHeaders from 'on-headers';
import { requestIdOf } from '../request-context/request-id';

/** Gives every response, errors and 404s included, its X-Request-ID and X-Process-Time. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-ID', requestIdOf(req));
    onHeaders(res, () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      res.setHeader('X-Process-Time', seconds.toFixed(6));
    });
    next();
  }
}

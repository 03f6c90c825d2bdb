import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';
import { assignRequestId } from '../request-context/request-id';

/** Gives every response, errors and 404s included, its X-Request-ID and X-Process-Time. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    assignRequestId(req, res);
    onHeaders(res, () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      res.setHeader('X-Process-Time', seconds.toFixed(6));
    });
    next();
  }
}

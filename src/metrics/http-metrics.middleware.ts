import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { routeOf } from '../common/request-context/route-of';
import { Metrics } from './metrics';

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { routeOf } from '../common/request-context/route-of';
import { existingUpstreamTrace } from '../llm/upstream-trace';
import { Metrics } from './metrics';

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const route = routeOf(req);
      const labels = { method: req.method, route, status: String(res.statusCode) };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpDuration.observe(labels, seconds);
      const trace = existingUpstreamTrace(res);
      if (trace) {
        this.metrics.gatewayOverhead.observe(
          { route },
          Math.max(0, seconds - trace.waitedMs / 1000),
        );
      }
    });
    next();
  }
}

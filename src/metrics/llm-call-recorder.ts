import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { LlmAttempt } from '../llm/llm-attempt';
import { Metrics } from './metrics';

/**
 * Counts every provider attempt, and logs the ones that tell something the
 * request's own line does not: failures, and the attempts of a retried call.
 * A first-try success is logged at debug, off the hot path at `info`.
 */
@Injectable()
export class LlmCallRecorder {
  constructor(
    private readonly metrics: Metrics,
    @InjectPinoLogger('LlmProvider') private readonly logger: PinoLogger,
  ) {}

  readonly record = ({ upstream, model, attempt, outcome, durationMs }: LlmAttempt): void => {
    this.metrics.providerCalls.inc({ model, status: outcome });
    const level = outcome === 'ok' && attempt === 1 ? 'debug' : 'info';
    this.logger[level](
      { upstream, model, attempt, outcome, latencyMs: Math.round(durationMs) },
      'provider call',
    );
  };
}

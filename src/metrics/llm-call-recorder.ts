import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { LlmAttempt } from '../llm/llm-attempt';
import { Metrics } from './metrics';

/** Counts and logs every provider attempt, so retries show up one by one. */
@Injectable()
export class LlmCallRecorder {
  constructor(
    private readonly metrics: Metrics,
    @InjectPinoLogger('LlmProvider') private readonly logger: PinoLogger,
  ) {}

  readonly record = ({ requestId, model, attempt, outcome, durationMs }: LlmAttempt): void => {
    this.metrics.providerCalls.inc({ model, status: outcome });
    this.logger.info(
      { req: { id: requestId }, model, attempt, outcome, latencyMs: Math.round(durationMs) },
      'provider call',
    );
  };
}

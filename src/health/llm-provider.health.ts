import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LlmProvider } from '../llm/llm.provider';

/** Ready when a provider is configured; never a paid call to it. */
@Injectable()
export class LlmProviderHealthIndicator {
  constructor(
    private readonly llm: LlmProvider,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult<'llm'> {
    return this.indicator.check('llm').up({ provider: this.llm.name });
  }
}

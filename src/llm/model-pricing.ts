import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import type { ModelPrice } from '../config/llm.config';
import type { TokenUsage } from './llm.provider';

/** USD per 1,000 tokens, from the providers' published price lists. */
const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = {
  mock: { input: 0, output: 0 },
  'gpt-5': { input: 0.00125, output: 0.01 },
  'gpt-5-mini': { input: 0.00025, output: 0.002 },
  'gpt-5-nano': { input: 0.00005, output: 0.0004 },
  'gpt-4.1': { input: 0.002, output: 0.008 },
  'gpt-4.1-mini': { input: 0.0004, output: 0.0016 },
  'gpt-4.1-nano': { input: 0.0001, output: 0.0004 },
  'gpt-4o': { input: 0.0025, output: 0.01 },
  'gpt-4o-mini': { input: 0.00015, output: 0.0006 },
  o3: { input: 0.002, output: 0.008 },
  'o3-mini': { input: 0.0011, output: 0.0044 },
  'o4-mini': { input: 0.0011, output: 0.0044 },
  'gpt-4-turbo': { input: 0.01, output: 0.03 },
  'gpt-3.5-turbo': { input: 0.0005, output: 0.0015 },
};

/** Providers answer with dated snapshots (`gpt-4o-mini-2024-07-18`) of the models we price. */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{4})$/;

@Injectable()
export class ModelPricing {
  private readonly prices: ReadonlyMap<string, ModelPrice>;

  constructor(config: ConfigService<AllConfig, true>) {
    const overrides = config.get('llm.pricing', { infer: true });
    this.prices = new Map(Object.entries({ ...BUILT_IN_PRICES, ...overrides }));
  }

  /** The cost in USD, or null for a model we have no price for: never a guess. */
  costOf(model: string, usage: TokenUsage | null): number | null {
    const price = this.prices.get(model) ?? this.prices.get(model.replace(SNAPSHOT_SUFFIX, ''));
    if (!price || !usage) return null;
    const cost = (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1000;
    return Number(cost.toFixed(10));
  }
}

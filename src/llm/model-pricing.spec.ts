import type { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { ModelPricing } from './model-pricing';

function pricingWith(overrides: Record<string, { input: number; output: number }> = {}) {
  const config = { get: () => overrides } as unknown as ConfigService<AllConfig, true>;
  return new ModelPricing(config);
}

describe('ModelPricing', () => {
  it('prices prompt and completion tokens per 1,000 from the built-in table', () => {
    const sut = pricingWith();

    expect(sut.costOf('gpt-4o-mini', { promptTokens: 2000, completionTokens: 1000 })).toBe(0.0009);
  });

  it("prices a provider's dated snapshot as its model", () => {
    const sut = pricingWith();
    const usage = { promptTokens: 1000, completionTokens: 0 };

    expect(sut.costOf('gpt-4o-mini-2024-07-18', usage)).toBe(sut.costOf('gpt-4o-mini', usage));
  });

  it('returns null for a model with no known price, never a guess', () => {
    expect(
      pricingWith().costOf('llama3:8b', { promptTokens: 10, completionTokens: 10 }),
    ).toBeNull();
  });

  it('returns null when the provider reported no usage', () => {
    expect(pricingWith().costOf('gpt-4o', null)).toBeNull();
  });

  it('lets MODEL_PRICING override and extend the table', () => {
    const sut = pricingWith({
      'gpt-4o': { input: 1, output: 2 },
      'llama3:8b': { input: 0, output: 0 },
    });

    expect(sut.costOf('gpt-4o', { promptTokens: 1000, completionTokens: 1000 })).toBe(3);
    expect(sut.costOf('llama3:8b', { promptTokens: 1000, completionTokens: 1000 })).toBe(0);
  });
});

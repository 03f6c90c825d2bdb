import { registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader } from './env-reader';

export const LLM_PROVIDER_NAMES = ['openai', 'mock'] as const;
export type LlmProviderName = (typeof LLM_PROVIDER_NAMES)[number];

export interface ModelPrice {
  /** USD per 1,000 prompt tokens. */
  input: number;
  /** USD per 1,000 completion tokens. */
  output: number;
}

function parsePricing(raw: unknown): Record<string, ModelPrice> {
  if (raw === undefined) return {};
  const fail = () =>
    new ConfigValidationError(
      'MODEL_PRICING',
      'must be a JSON object {"model": {"input": number, "output": number}} with prices of at least 0',
      undefined,
    );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail();
  const pricing: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(raw as Record<string, unknown>)) {
    const { input, output } = (price ?? {}) as Record<string, unknown>;
    if (typeof input !== 'number' || typeof output !== 'number' || input < 0 || output < 0) {
      throw fail();
    }
    pricing[model] = { input, output };
  }
  return pricing;
}

function chooseProvider(env: EnvReader, apiKey: string | undefined): LlmProviderName {
  const explicit = env.oneOf('LLM_PROVIDER', LLM_PROVIDER_NAMES);
  if (explicit === 'openai' && apiKey === undefined) {
    throw new ConfigValidationError(
      'OPENAI_API_KEY',
      'is required when LLM_PROVIDER=openai',
      undefined,
    );
  }
  const isProduction = env.optionalString('NODE_ENV') === 'production';
  if (explicit === undefined && apiKey === undefined && isProduction) {
    throw new ConfigValidationError(
      'OPENAI_API_KEY',
      'is required in production (set LLM_PROVIDER=mock to run the mock provider on purpose)',
      undefined,
    );
  }
  return explicit ?? (apiKey === undefined ? 'mock' : 'openai');
}

export const llmConfig = registerAs('llm', () => {
  const env = new EnvReader(process.env);
  const apiKey = env.optionalString('OPENAI_API_KEY');
  const defaultModel = env.string('OPENAI_MODEL');
  const allowedModels = env.list('OPENAI_ALLOWED_MODELS');
  return {
    provider: chooseProvider(env, apiKey),
    apiKey,
    baseUrl: env.url('OPENAI_BASE_URL', ['http:', 'https:']),
    defaultModel,
    allowedModels:
      allowedModels.length > 0 ? [...new Set([defaultModel, ...allowedModels])] : [defaultModel],
    maxTokens: env.integer('OPENAI_MAX_TOKENS', { min: 1, max: 4000 }),
    temperature: env.number('OPENAI_TEMPERATURE', { min: 0, max: 2 }),
    timeoutMs: env.seconds('OPENAI_TIMEOUT'),
    maxRetries: env.integer('OPENAI_MAX_RETRIES', { min: 0, max: 10 }),
    retryBaseDelayMs: env.number('OPENAI_RETRY_BASE_DELAY', { min: 0 }) * 1000,
    pricing: parsePricing(env.json('MODEL_PRICING')),
  };
});

export type LlmConfig = ReturnType<typeof llmConfig>;

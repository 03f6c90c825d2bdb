import { registerAs } from '@nestjs/config';
import { secondsToMs } from './env-units';
import type { ModelPrice } from './environment-variables';
import { loadEnvironment } from './validate-environment';

export type { LlmProviderName, ModelPrice } from './environment-variables';

/** Only the two prices of each model, whatever else the JSON held. */
function pricesOf(pricing: Record<string, ModelPrice> = {}): Record<string, ModelPrice> {
  return Object.fromEntries(
    Object.entries(pricing).map(([model, { input, output }]) => [model, { input, output }]),
  );
}

export const llmConfig = registerAs('llm', () => {
  const env = loadEnvironment();
  const apiKey = env.OPENAI_API_KEY;
  const defaultModel = env.OPENAI_MODEL;
  const allowedModels = env.OPENAI_ALLOWED_MODELS ?? [];
  return {
    provider: env.LLM_PROVIDER ?? (apiKey === undefined ? 'mock' : 'openai'),
    apiKey,
    baseUrl: env.OPENAI_BASE_URL,
    defaultModel,
    allowedModels:
      allowedModels.length > 0 ? [...new Set([defaultModel, ...allowedModels])] : [defaultModel],
    maxTokens: env.OPENAI_MAX_TOKENS,
    temperature: env.OPENAI_TEMPERATURE,
    timeoutMs: secondsToMs(env.OPENAI_TIMEOUT),
    maxRetries: env.OPENAI_MAX_RETRIES,
    retryBaseDelayMs: env.OPENAI_RETRY_BASE_DELAY * 1000,
    pricing: pricesOf(env.MODEL_PRICING),
  };
});

export type LlmConfig = ReturnType<typeof llmConfig>;

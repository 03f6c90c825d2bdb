import { registerAs } from '@nestjs/config';
import { secondsToMs } from './env-units';
import type { EnvironmentVariables, ModelPrice } from './environment-variables';
import { loadEnvironment } from './validate-environment';

export type { LlmProviderName, ModelPrice } from './environment-variables';

/** Only the two prices of each model, whatever else the JSON held. */
function pricesOf(pricing: Record<string, ModelPrice> = {}): Record<string, ModelPrice> {
  return Object.fromEntries(
    Object.entries(pricing).map(([model, { input, output }]) => [model, { input, output }]),
  );
}

/** An OpenAI-compatible deployment, its key read from the variable the entry names. */
export interface UpstreamConfig {
  name: string;
  /** Unset: OpenAI's own. */
  baseUrl?: string;
  apiKey?: string;
  /** Unset: every model. */
  models?: readonly string[];
  weight: number;
}

const DEFAULT_UPSTREAM = 'default';

function upstreamsOf(env: EnvironmentVariables): UpstreamConfig[] {
  if (!env.LLM_UPSTREAMS) {
    return [
      { name: DEFAULT_UPSTREAM, baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, weight: 1 },
    ];
  }
  return env.LLM_UPSTREAMS.map(({ name, base_url, api_key_env, models, weight }) => ({
    name,
    baseUrl: base_url,
    apiKey: process.env[api_key_env]?.trim(),
    models,
    weight: weight ?? 1,
  }));
}

export const llmConfig = registerAs('llm', () => {
  const env = loadEnvironment();
  const apiKey = env.OPENAI_API_KEY;
  const defaultModel = env.OPENAI_MODEL;
  const allowedModels = env.OPENAI_ALLOWED_MODELS ?? [];
  return {
    provider:
      env.LLM_PROVIDER ?? (apiKey === undefined && !env.LLM_UPSTREAMS ? 'mock' : 'openai'),
    defaultModel,
    allowedModels:
      allowedModels.length > 0 ? [...new Set([defaultModel, ...allowedModels])] : [defaultModel],
    maxTokens: env.OPENAI_MAX_TOKENS,
    temperature: env.OPENAI_TEMPERATURE,
    timeoutMs: secondsToMs(env.OPENAI_TIMEOUT),
    maxRetries: env.OPENAI_MAX_RETRIES,
    retryBaseDelayMs: env.OPENAI_RETRY_BASE_DELAY * 1000,
    pricing: pricesOf(env.MODEL_PRICING),
    upstreams: upstreamsOf(env),
    fallbackModels: env.LLM_FALLBACK_MODELS ?? [],
    circuit: {
      threshold: env.CIRCUIT_FAILURES,
      cooldownMs: secondsToMs(env.CIRCUIT_COOLDOWN),
      // A probe that has not reported within a cooldown is presumed lost; another may go.
      probeLeaseMs: secondsToMs(env.CIRCUIT_COOLDOWN),
    },
  };
});

export type LlmConfig = ReturnType<typeof llmConfig>;

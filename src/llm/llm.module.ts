import { Logger, Module, type FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import OpenAI from 'openai';
import type { AllConfig } from '../config/configuration';
import type { LlmConfig, UpstreamConfig } from '../config/llm.config';
import { InstrumentedLlmProvider } from '../metrics/instrumented-llm.provider';
import { LlmCallRecorder } from '../metrics/llm-call-recorder';
import { Metrics } from '../metrics/metrics';
import { RedisConnection } from '../redis/redis.connection';
import { CircuitBreaker } from './failover/circuit-breaker';
import { FailoverLlmProvider, type Upstream } from './failover/failover-llm.provider';
import { LlmProvider } from './llm.provider';
import { MockLlmProvider } from './mock/mock-llm.provider';
import { ModelPricing } from './model-pricing';
import { ModelsController } from './models.controller';
import { OpenAiLlmProvider } from './openai/openai-llm.provider';
import { ProviderHttpClient } from './openai/provider-http-client';

const circuitBreaker: FactoryProvider<CircuitBreaker> = {
  provide: CircuitBreaker,
  inject: [ConfigService, RedisConnection, Metrics],
  useFactory: (config: ConfigService<AllConfig, true>, redis: RedisConnection, metrics: Metrics) =>
    new CircuitBreaker(config.get('llm.circuit', { infer: true }), redis, metrics.circuitOpen),
};

const llmProvider: FactoryProvider<LlmProvider> = {
  provide: LlmProvider,
  inject: [ConfigService, Metrics, LlmCallRecorder, ProviderHttpClient, CircuitBreaker],
  useFactory(
    config: ConfigService<AllConfig, true>,
    metrics: Metrics,
    recorder: LlmCallRecorder,
    http: ProviderHttpClient,
    breaker: CircuitBreaker,
  ): LlmProvider {
    const llm = config.get('llm', { infer: true });
    const upstreams = upstreamsOf(llm, recorder, http);
    for (const upstream of upstreams) {
      for (const model of upstream.models ?? [...llm.allowedModels, ...llm.fallbackModels]) {
        breaker.watch(upstream.name, model);
      }
    }
    const failover = new FailoverLlmProvider(upstreams, llm.fallbackModels, breaker, (from, to) =>
      metrics.fallbacks.inc({ from_model: from, to_model: to }),
    );
    return new InstrumentedLlmProvider(failover, metrics);
  },
};

function upstreamsOf(
  llm: LlmConfig,
  recorder: LlmCallRecorder,
  http: ProviderHttpClient,
): Upstream[] {
  const logger = new Logger('LlmModule');
  switch (llm.provider) {
    case 'mock':
      logger.warn(
        'LLM provider: MOCK. Answers are generated locally, not by a model. Set OPENAI_API_KEY to use a real provider.',
      );
      return [{ name: 'mock', provider: new MockLlmProvider(), weight: 1 }];
    case 'openai':
      logger.log(
        `LLM provider: openai, upstreams ${llm.upstreams.map(describe).join(', ')}; default model ${llm.defaultModel}`,
      );
      return llm.upstreams.map((upstream) => ({
        name: upstream.name,
        provider: openAiUpstream(upstream, llm, recorder, http),
        models: upstream.models && new Set(upstream.models),
        weight: upstream.weight,
      }));
  }
}

/** Names where an upstream is without its host, which may be internal. */
function describe({ name, baseUrl }: UpstreamConfig): string {
  return `${name} (${baseUrl ? 'custom base URL' : 'api.openai.com'})`;
}

function openAiUpstream(
  { name, apiKey, baseUrl }: UpstreamConfig,
  llm: LlmConfig,
  recorder: LlmCallRecorder,
  http: ProviderHttpClient,
): LlmProvider {
  // Retries are ours, so that each attempt is counted and logged once.
  const client = new OpenAI({
    apiKey,
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: llm.timeoutMs,
    fetch: http.fetch,
  });
  return new OpenAiLlmProvider(client, { ...llm, upstream: name }, recorder.record);
}

@Module({
  controllers: [ModelsController],
  providers: [circuitBreaker, llmProvider, ModelPricing, ProviderHttpClient],
  exports: [LlmProvider, ModelPricing],
})
export class LlmModule {}

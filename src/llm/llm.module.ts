import { Logger, Module, type FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import OpenAI from 'openai';
import type { AllConfig } from '../config/configuration';
import { LlmProvider } from './llm.provider';
import { MockLlmProvider } from './mock/mock-llm.provider';
import { InstrumentedLlmProvider } from '../metrics/instrumented-llm.provider';
import { LlmCallRecorder } from '../metrics/llm-call-recorder';
import { Metrics } from '../metrics/metrics';
import { ModelPricing } from './model-pricing';
import { ModelsController } from './models.controller';
import { OpenAiLlmProvider } from './openai/openai-llm.provider';
import { ProviderHttpClient } from './openai/provider-http-client';

const llmProvider: FactoryProvider<LlmProvider> = {
  provide: LlmProvider,
  inject: [ConfigService, Metrics, LlmCallRecorder, ProviderHttpClient],
  useFactory(
    config: ConfigService<AllConfig, true>,
    metrics: Metrics,
    recorder: LlmCallRecorder,
    http: ProviderHttpClient,
  ): LlmProvider {
    return new InstrumentedLlmProvider(chooseProvider(config, recorder, http), metrics);
  },
};

function chooseProvider(
  config: ConfigService<AllConfig, true>,
  recorder: LlmCallRecorder,
  http: ProviderHttpClient,
): LlmProvider {
  const llm = config.get('llm', { infer: true });
  const logger = new Logger('LlmModule');
  switch (llm.provider) {
    case 'mock':
      logger.warn(
        'LLM provider: MOCK. Answers are generated locally, not by a model. Set OPENAI_API_KEY to use a real provider.',
      );
      return new MockLlmProvider();
    case 'openai': {
      // Retries are ours, so that each attempt is counted and logged once.
      const client = new OpenAI({
        apiKey: llm.apiKey,
        baseURL: llm.baseUrl,
        maxRetries: 0,
        timeout: llm.timeoutMs,
        fetch: http.fetch,
      });
      logger.log(
        `LLM provider: openai (${llm.baseUrl ? 'custom base URL' : 'api.openai.com'}), default model ${llm.defaultModel}`,
      );
      return new OpenAiLlmProvider(client, llm, recorder.record);
    }
  }
}

@Module({
  controllers: [ModelsController],
  providers: [llmProvider, ModelPricing, ProviderHttpClient],
  exports: [LlmProvider, ModelPricing],
})
export class LlmModule {}

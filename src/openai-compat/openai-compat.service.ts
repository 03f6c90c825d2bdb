import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { ResponseCache } from '../cache/response-cache';
import type { Caller } from '../common/auth/caller';
import { describeError } from '../common/errors/error-response';
import { openAiErrorBody } from '../common/errors/openai-error-body';
import type { LlmSpend } from '../common/interceptors/cost-tracking.interceptor';
import { SecretScrubber } from '../common/logging/secret-scrubber';
import type { AllConfig } from '../config/configuration';
import { clientLeft, shutdownReason } from '../lifecycle/request-signal';
import { LlmProvider, type LlmCall } from '../llm/llm.provider';
import { ModelPricing } from '../llm/model-pricing';
import { isCacheable, providerRequestOf, wireBodyOf, type WireBody } from './wire-request';

/** OpenAI's last event of a stream. */
export const DONE = '[DONE]';

export interface WireAnswer {
  completion: ChatCompletion;
  spend: LlmSpend;
}

export type WireEvent = ChatCompletionChunk | ReturnType<typeof openAiErrorBody> | typeof DONE;

/** OpenAI's chat completions through this service's provider layer: stateless, as OpenAI's API is. */
@Injectable()
export class OpenAiCompatService {
  private readonly allowedModels: readonly string[];

  constructor(
    private readonly llm: LlmProvider,
    private readonly cache: ResponseCache,
    private readonly pricing: ModelPricing,
    private readonly scrubber: SecretScrubber,
    @InjectPinoLogger(OpenAiCompatService.name) private readonly logger: PinoLogger,
    config: ConfigService<AllConfig, true>,
  ) {
    this.allowedModels = config.get('llm.allowedModels', { infer: true });
  }

  get models(): readonly string[] {
    return this.allowedModels;
  }

  accept(body: Record<string, unknown>): WireBody {
    return wireBodyOf(body, this.allowedModels);
  }

  async complete(body: WireBody, caller: Caller, call: LlmCall): Promise<WireAnswer> {
    const request = providerRequestOf(body);
    const compute = (signal: AbortSignal) => this.llm.completeWire(request, { ...call, signal });
    const { value, cached } = isCacheable(request)
      ? await this.cache.getOrComputeWire(request, caller.keyId, call.signal, compute)
      : { value: await compute(call.signal), cached: false };
    return { completion: value, spend: this.spendOf(value.model, value.usage, cached) };
  }

  /** Resolves once the provider has accepted the request; a failure after that is the stream's last event. */
  async openStream(
    body: WireBody,
    call: LlmCall,
    onSpent: (spend: LlmSpend) => void,
  ): Promise<AsyncIterable<WireEvent>> {
    const chunks = await this.llm
      .streamWire(providerRequestOf(body), call)
      .catch((error: unknown) => {
        throw shutdownReason(call.signal) ?? error;
      });
    return this.relay(chunks, body.stream_options?.include_usage === true, call.signal, onSpent);
  }

  private async *relay(
    chunks: AsyncIterable<ChatCompletionChunk>,
    includeUsage: boolean,
    signal: AbortSignal,
    onSpent: (spend: LlmSpend) => void,
  ): AsyncGenerator<WireEvent> {
    try {
      for await (const chunk of chunks) {
        if (chunk.usage) onSpent(this.spendOf(chunk.model, chunk.usage, false));
        if (includeUsage) yield chunk;
        else if (chunk.choices.length > 0) yield withoutUsage(chunk);
      }
    } catch (error) {
      if (clientLeft(signal)) return;
      const failure = shutdownReason(signal) ?? error;
      this.logger.warn({ err: this.scrubber.describe(failure) }, 'stream failed mid-way');
      // No [DONE] after it: the SDKs raise the error instead of taking a cut answer for a whole one.
      yield openAiErrorBody(describeError(failure), failure);
      return;
    }
    yield DONE;
  }

  private spendOf(
    model: string,
    usage: CompletionUsage | undefined | null,
    cached: boolean,
  ): LlmSpend {
    const tokens = usage
      ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
      : null;
    return {
      model,
      usage: tokens,
      costUsd: cached ? 0 : this.pricing.costOf(model, tokens),
      cached,
    };
  }
}

/** The caller did not ask for usage: OpenAI would not have sent the field. */
function withoutUsage({ usage: _usage, ...chunk }: ChatCompletionChunk): ChatCompletionChunk {
  return chunk;
}

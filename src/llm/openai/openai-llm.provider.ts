import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
} from 'openai/resources/chat/completions';
import type { LlmConfig } from '../../config/llm.config';
import { AttemptDeadline } from '../attempt-deadline';
import { untilFirstContent } from '../first-content';
import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
  type TokenUsage,
  type WireRequest,
} from '../llm.provider';
import { outcomeOf, type LlmAttemptListener } from '../llm-attempt';
import { withRetries } from '../retry-policy';
import { RequestAbortedError, UpstreamError, UpstreamTimeoutError } from '../upstream.errors';
import { toUpstreamError } from './openai-error.mapper';

type AttemptSettings = Pick<LlmConfig, 'maxRetries' | 'retryBaseDelayMs' | 'timeoutMs'> & {
  /** The upstream this provider calls, as its attempts are reported. */
  upstream: string;
};

function toUsage(usage: ChatCompletion['usage'] | null | undefined): TokenUsage | null {
  return usage
    ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
    : null;
}

function toCompletion(completion: ChatCompletion, requestedModel: string): LlmCompletion {
  const choice = completion.choices?.[0];
  if (typeof choice?.message?.content !== 'string') {
    throw new UpstreamError('The LLM provider sent a completion without content.');
  }
  return {
    content: choice.message.content,
    model: completion.model || requestedModel,
    finishReason: choice.finish_reason ?? 'stop',
    usage: toUsage(completion.usage),
  };
}

function toParams(request: LlmRequest): ChatCompletionCreateParamsBase {
  return {
    model: request.model,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    temperature: request.temperature,
    max_tokens: request.maxTokens,
  };
}

/**
 * The provider's chunks, each restarting the attempt's idle deadline. A stream
 * the SDK ended quietly (on abort) or that stopped before any finish reason
 * fails: it must not pass for a whole answer.
 */
async function* guarded(
  chunks: AsyncIterable<ChatCompletionChunk>,
  deadline: AttemptDeadline,
  callerSignal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  let finished = false;
  try {
    for await (const chunk of chunks) {
      deadline.restart();
      if (chunk.choices?.some((choice) => choice.finish_reason)) finished = true;
      yield chunk;
    }
  } catch (error) {
    throw toUpstreamError(error, callerSignal, deadline.expired);
  } finally {
    deadline.clear();
  }
  if (callerSignal.aborted) throw new RequestAbortedError();
  if (deadline.expired) throw new UpstreamTimeoutError();
  if (!finished) {
    throw new UpstreamError('The LLM provider ended the stream before the answer was complete.');
  }
}

/** A chunk that carries part of the answer, not just the role or the usage. */
function hasContent(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some(
    ({ delta, finish_reason }) =>
      Boolean(delta?.content || delta?.tool_calls?.length || delta?.refusal) ||
      finish_reason !== null,
  );
}

/** Any OpenAI-compatible server, through the official SDK with our own retry policy. */
export class OpenAiLlmProvider extends LlmProvider {
  readonly name = 'openai';

  constructor(
    private readonly client: OpenAI,
    private readonly settings: AttemptSettings,
    private readonly onAttempt: LlmAttemptListener,
  ) {
    super();
  }

  complete(request: LlmRequest, call: LlmCall): Promise<LlmCompletion> {
    return this.withRetries(call, request.model, async (deadline) => {
      try {
        const completion = await this.client.chat.completions.create(
          { ...toParams(request), stream: false },
          { signal: deadline.signal },
        );
        return toCompletion(completion, request.model);
      } finally {
        deadline.clear();
      }
    });
  }

  async stream(request: LlmRequest, call: LlmCall): Promise<AsyncIterable<LlmStreamEvent>> {
    return this.readStream(await this.openStream(toParams(request), call), request.model);
  }

  completeWire(request: WireRequest, call: LlmCall): Promise<ChatCompletion> {
    return this.withRetries(call, request.model, async (deadline) => {
      try {
        return await this.client.chat.completions.create(
          { ...request, stream: false },
          { signal: deadline.signal },
        );
      } finally {
        deadline.clear();
      }
    });
  }

  streamWire(request: WireRequest, call: LlmCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    return this.openStream(request, call);
  }

  /**
   * Usage is always asked for: a stream's tokens are counted whether or not its
   * caller wants them. A stream that fails before its first content is retried.
   */
  private openStream(
    request: WireRequest,
    call: LlmCall,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    return this.withRetries(call, request.model, async (deadline) => {
      const chunks = await this.client.chat.completions.create(
        { ...request, stream: true, stream_options: { include_usage: true } },
        { signal: deadline.signal },
      );
      return untilFirstContent(guarded(chunks, deadline, call.signal), hasContent);
    });
  }

  private async *readStream(
    chunks: AsyncIterable<ChatCompletionChunk>,
    requestedModel: string,
  ): AsyncGenerator<LlmStreamEvent> {
    let model = requestedModel;
    let finishReason = 'stop';
    let usage: TokenUsage | null = null;
    for await (const chunk of chunks) {
      model = chunk.model || model;
      usage = toUsage(chunk.usage) ?? usage;
      const choice = chunk.choices?.[0];
      finishReason = choice?.finish_reason ?? finishReason;
      const text = choice?.delta?.content;
      if (text) yield { type: 'delta', text };
    }
    yield { type: 'done', model, finishReason, usage };
  }

  /** Each attempt gets its own deadline; the attempt owns clearing it once it succeeds. */
  private withRetries<T>(
    { signal }: LlmCall,
    model: string,
    attempt: (deadline: AttemptDeadline) => Promise<T>,
  ): Promise<T> {
    const { maxRetries, retryBaseDelayMs, timeoutMs } = this.settings;
    return withRetries(
      async (attemptNumber) => {
        const deadline = new AttemptDeadline(timeoutMs, signal);
        const started = performance.now();
        const report = (outcome: string) =>
          this.onAttempt({
            upstream: this.settings.upstream,
            model,
            attempt: attemptNumber,
            outcome,
            durationMs: performance.now() - started,
          });
        try {
          const result = await attempt(deadline);
          report('ok');
          return result;
        } catch (error) {
          deadline.clear();
          const failure = toUpstreamError(error, signal, deadline.expired);
          report(outcomeOf(failure));
          throw failure;
        }
      },
      { maxRetries, baseDelayMs: retryBaseDelayMs },
      signal,
    );
  }
}

import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
} from 'openai/resources/chat/completions';
import type { LlmProviderName } from '../config/llm.config';
import type { UpstreamTrace } from './upstream-trace';

/** A request in OpenAI's own wire format, as the OpenAI-compatible route takes it; unknown fields ride along. */
export type WireRequest = Omit<ChatCompletionCreateParamsBase, 'stream' | 'stream_options'>;

export type LlmRole = 'system' | 'user' | 'assistant';

export interface LlmMessage {
  role: LlmRole;
  content: string;
}

export interface LlmRequest {
  model: string;
  messages: readonly LlmMessage[];
  temperature: number;
  maxTokens: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmCompletion {
  content: string;
  model: string;
  finishReason: string;
  /** The provider's own count; null only when the provider reported none. */
  usage: TokenUsage | null;
}

export type LlmStreamEvent =
  { type: 'delta'; text: string } | ({ type: 'done' } & Omit<LlmCompletion, 'content'>);

/** What a provider call is made for: the signal that stops it, and where it reports what it did. */
export interface LlmCall {
  signal: AbortSignal;
  trace?: UpstreamTrace;
}

/**
 * A chat model. Implementations throw the errors of `upstream.errors.ts` and
 * stop work at once when the call's signal aborts.
 */
export abstract class LlmProvider {
  abstract readonly name: LlmProviderName;

  abstract complete(request: LlmRequest, call: LlmCall): Promise<LlmCompletion>;

  /**
   * Resolves once the provider has sent the first piece of the answer, so a
   * failure before it is still an ordinary error (retried, or sent elsewhere);
   * the iterable then yields deltas and ends with one `done`.
   */
  abstract stream(request: LlmRequest, call: LlmCall): Promise<AsyncIterable<LlmStreamEvent>>;

  /** The provider's own completion for a wire request, with the same retries and deadlines. */
  abstract completeWire(request: WireRequest, call: LlmCall): Promise<ChatCompletion>;

  /**
   * The provider's own chunks, usage chunk included (it is always asked for);
   * a stream that ends before a finish reason fails as `stream` does.
   */
  abstract streamWire(
    request: WireRequest,
    call: LlmCall,
  ): Promise<AsyncIterable<ChatCompletionChunk>>;
}

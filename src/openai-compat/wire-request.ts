import {
  promptTokensAtMost,
  type SpendEstimator,
} from '../common/interceptors/spend-estimate.decorator';
import type { WireRequest } from '../llm/llm.provider';
import { InvalidWireRequestError, ModelNotFoundError } from './openai-compat.errors';

/** The body of POST /v1/chat/completions: OpenAI's, unknown fields included. */
export type WireBody = WireRequest & {
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
};

/**
 * Checks what this service itself needs of a body (a known model, a message
 * list); everything else is the provider's to judge, as it would be at OpenAI.
 */
export function wireBodyOf(
  body: Record<string, unknown>,
  allowedModels: readonly string[],
): WireBody {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') {
    throw new InvalidWireRequestError('you must provide a model parameter', 'model');
  }
  if (!allowedModels.includes(model)) throw new ModelNotFoundError(model);
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidWireRequestError('messages must be a non-empty array', 'messages');
  }
  return body as unknown as WireBody;
}

/** What is sent to the provider and keys the cache: the body without how the caller wants it delivered. */
export function providerRequestOf({
  stream: _stream,
  stream_options: _options,
  ...request
}: WireBody): WireRequest {
  return request;
}

/**
 * Only answers the model would give again may be shared: a temperature of 0 or
 * a seed, and never a call that may use tools, whose results change.
 */
export function isCacheable(request: WireRequest): boolean {
  const deterministic = request.temperature === 0 || request.seed !== undefined;
  return deterministic && request.tools === undefined && request.functions === undefined;
}

/** A wire request's most: every byte of its messages, and its completion cap (the default when none). */
export const wireWorstCase: SpendEstimator = (body, defaults) => {
  const { model, messages, max_tokens, max_completion_tokens } = (body ?? {}) as Record<
    string,
    unknown
  >;
  const count = Array.isArray(messages) ? messages.length : 0;
  const cap = [max_completion_tokens, max_tokens].find((value) => typeof value === 'number');
  return {
    model: typeof model === 'string' ? model : defaults.model,
    promptTokens: promptTokensAtMost(JSON.stringify(messages ?? []), count),
    completionTokens: typeof cap === 'number' ? cap : defaults.maxTokens,
  };
};

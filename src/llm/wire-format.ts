import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type {
  LlmCompletion,
  LlmMessage,
  LlmRequest,
  LlmStreamEvent,
  WireRequest,
} from './llm.provider';

const ROLES = new Set(['system', 'user', 'assistant']);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: unknown; text?: unknown }) =>
      part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

/** A wire request as a provider that only knows plain text turns sees it (the mock). */
export function plainRequestOf(request: WireRequest, defaults: { maxTokens: number }): LlmRequest {
  const messages: LlmMessage[] = request.messages.map(({ role, content }) => ({
    role: (ROLES.has(role) ? role : role === 'developer' ? 'system' : 'user') as LlmMessage['role'],
    content: textOf(content),
  }));
  return {
    model: request.model,
    messages,
    temperature: request.temperature ?? 1,
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? defaults.maxTokens,
  };
}

function wireUsage(completion: Pick<LlmCompletion, 'usage'>): ChatCompletion['usage'] {
  const { usage } = completion;
  return usage
    ? {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      }
    : undefined;
}

/** A plain completion as OpenAI's `chat.completion` body. */
export function wireCompletionOf(completion: LlmCompletion): ChatCompletion {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.content, refusal: null },
        finish_reason: completion.finishReason as ChatCompletion.Choice['finish_reason'],
        logprobs: null,
      },
    ],
    usage: wireUsage(completion),
  };
}

/** Plain stream events as OpenAI's `chat.completion.chunk`s, the usage chunk last. */
export async function* wireChunksOf(
  events: AsyncIterable<LlmStreamEvent>,
  model: string,
): AsyncGenerator<ChatCompletionChunk> {
  const base = {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion.chunk' as const,
    created: Math.floor(Date.now() / 1000),
  };
  for await (const event of events) {
    if (event.type === 'delta') {
      yield {
        ...base,
        model,
        choices: [{ index: 0, delta: { content: event.text }, finish_reason: null }],
      };
      continue;
    }
    const finishReason = event.finishReason as ChatCompletionChunk.Choice['finish_reason'];
    yield {
      ...base,
      model: event.model,
      choices: [{ index: 0, delta: {}, finish_reason: finishReason }],
    };
    yield { ...base, model: event.model, choices: [], usage: wireUsage(event) };
  }
}

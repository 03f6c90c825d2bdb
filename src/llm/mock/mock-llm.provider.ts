import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
  type WireRequest,
} from '../llm.provider';
import { plainRequestOf, wireChunksOf, wireCompletionOf } from '../wire-format';
import { RequestAbortedError } from '../upstream.errors';

const MOCK_MODEL = 'mock';
/** A wire request may give no max_tokens; the mock's answers are far shorter anyway. */
const MOCK_MAX_TOKENS = 1000;
const WORDS_PER_PIECE = 3;
const PIECE_DELAY_MS = 20;
/** Chat formats add a few tokens per message around its content. */
const TOKENS_PER_MESSAGE = 4;

/** A word and the space after it: the mock's token, near enough to a real tokenizer's count for English. */
function tokensOf(text: string): string[] {
  return text.split(/(?<=\s)/).filter((token) => token !== '');
}

function abortable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(new RequestAbortedError());
  return work().catch((error: unknown) => {
    throw signal.aborted ? new RequestAbortedError() : error;
  });
}

/**
 * Answers locally and deterministically from the input, so the service runs
 * end to end with no provider at all. Tokens are counted as words.
 */
export class MockLlmProvider extends LlmProvider {
  readonly name = 'mock';

  complete(request: LlmRequest, { signal }: LlmCall): Promise<LlmCompletion> {
    return abortable(signal, () => Promise.resolve(this.answer(request)));
  }

  stream(request: LlmRequest, { signal }: LlmCall): Promise<AsyncIterable<LlmStreamEvent>> {
    return abortable(signal, () => Promise.resolve(this.pieces(request, signal)));
  }

  async completeWire(request: WireRequest, call: LlmCall): Promise<ChatCompletion> {
    return wireCompletionOf(await this.complete(this.plain(request), call));
  }

  async streamWire(
    request: WireRequest,
    call: LlmCall,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    return wireChunksOf(await this.stream(this.plain(request), call), MOCK_MODEL);
  }

  private plain(request: WireRequest): LlmRequest {
    return plainRequestOf(request, { maxTokens: MOCK_MAX_TOKENS });
  }

  private async *pieces(request: LlmRequest, signal: AbortSignal): AsyncGenerator<LlmStreamEvent> {
    const { content, ...done } = this.answer(request);
    const words = content.split(/(?<=\s)/);
    for (let start = 0; start < words.length; start += WORDS_PER_PIECE) {
      if (start > 0) await abortable(signal, () => sleep(PIECE_DELAY_MS, undefined, { signal }));
      yield { type: 'delta', text: words.slice(start, start + WORDS_PER_PIECE).join('') };
    }
    yield { type: 'done', ...done };
  }

  private answer(request: LlmRequest): LlmCompletion {
    const lastMessage = request.messages.at(-1)?.content ?? '';
    const earlier = request.messages.filter((message) => message.role !== 'system').length - 1;
    const full =
      `This is the mock provider (no OPENAI_API_KEY is set). You said: "${lastMessage}". ` +
      `I remember ${earlier} earlier message${earlier === 1 ? '' : 's'} of this conversation.`;
    const tokens = tokensOf(full);
    const truncated = tokens.length > request.maxTokens;
    const content = truncated ? tokens.slice(0, request.maxTokens).join('') : full;
    const promptTokens = request.messages.reduce(
      (sum, message) => sum + tokensOf(message.content).length + TOKENS_PER_MESSAGE,
      0,
    );
    return {
      content,
      model: MOCK_MODEL,
      finishReason: truncated ? 'length' : 'stop',
      usage: { promptTokens, completionTokens: Math.min(tokens.length, request.maxTokens) },
    };
  }
}

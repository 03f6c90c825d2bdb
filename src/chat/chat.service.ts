import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ResponseCache } from '../cache/response-cache';
import type { Caller } from '../common/auth/caller';
import { describeError } from '../common/errors/error-response';
import { SecretScrubber } from '../common/logging/secret-scrubber';
import type { AllConfig } from '../config/configuration';
import type { LlmConfig } from '../config/llm.config';
import { StoreUnavailableError } from '../conversation/conversation.errors';
import { ConversationService } from '../conversation/conversation.service';
import { clientLeft, shutdownReason } from '../lifecycle/request-signal';
import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
} from '../llm/llm.provider';
import { ModelPricing } from '../llm/model-pricing';
import type { ChatRequestDto } from './dto/chat-request.dto';
import type { ChatResponseDto, UsageFieldsDto } from './dto/chat-response.dto';
import type { ChatStreamEvent } from './dto/chat-stream-event.dto';
import { llmRequestFor } from './llm-request';

/** Everything about one turn that is known before the provider answers. */
interface PendingTurn {
  conversationId: string;
  caller: Caller;
  newSystemPrompt?: string;
  question: string;
  askedAt: string;
  llmRequest: LlmRequest;
}

type Answer = Omit<LlmCompletion, 'content'>;

interface RecordedTurn {
  usage: UsageFieldsDto;
  /** False when the store was unreachable: the caller still gets the answer. */
  historySaved: boolean;
}

export interface ChatAnswer {
  body: ChatResponseDto;
  historySaved: boolean;
}

export interface ChatStream {
  conversationId: string;
  events: AsyncIterable<ChatStreamEvent>;
}

/** Work that shutdown cut short fails as such, whatever error the interruption surfaced as. */
function explain(error: unknown, signal: AbortSignal): unknown {
  return shutdownReason(signal) ?? error;
}

@Injectable()
export class ChatService {
  private readonly defaults: LlmConfig;

  constructor(
    private readonly llm: LlmProvider,
    private readonly pricing: ModelPricing,
    private readonly conversations: ConversationService,
    private readonly cache: ResponseCache,
    private readonly scrubber: SecretScrubber,
    @InjectPinoLogger(ChatService.name) private readonly logger: PinoLogger,
    config: ConfigService<AllConfig, true>,
  ) {
    this.defaults = config.get('llm', { infer: true });
  }

  async complete(request: ChatRequestDto, caller: Caller, call: LlmCall): Promise<ChatAnswer> {
    const turn = await this.prepare(request, caller);
    const { completion, cached } = await this.cache
      .getOrCompute(turn.llmRequest, caller.keyId, call.signal, (sharedSignal) =>
        this.llm.complete(turn.llmRequest, { ...call, signal: sharedSignal }),
      )
      .catch((error: unknown) => {
        throw explain(error, call.signal);
      });
    const { usage, historySaved } = await this.record(
      turn,
      completion.content,
      completion,
      !cached,
    );
    return {
      historySaved,
      body: {
        message: completion.content,
        conversation_id: turn.conversationId,
        model: completion.model,
        ...usage,
        finish_reason: completion.finishReason,
        cached,
        timestamp: new Date().toISOString(),
      },
    };
  }

  /** Resolves once the provider has accepted the request; failures after that arrive as the last event. */
  async openStream(request: ChatRequestDto, caller: Caller, call: LlmCall): Promise<ChatStream> {
    const turn = await this.prepare(request, caller);
    const upstream = await this.llm.stream(turn.llmRequest, call).catch((error: unknown) => {
      throw explain(error, call.signal);
    });
    return {
      conversationId: turn.conversationId,
      events: this.relay(turn, upstream, call.signal),
    };
  }

  private async *relay(
    turn: PendingTurn,
    upstream: AsyncIterable<LlmStreamEvent>,
    signal: AbortSignal,
  ): AsyncGenerator<ChatStreamEvent> {
    const conversation_id = turn.conversationId;
    const pieces: string[] = [];
    try {
      for await (const event of upstream) {
        if (event.type === 'delta') {
          pieces.push(event.text);
          yield { delta: event.text, conversation_id, finished: false };
        } else {
          const { usage, historySaved } = await this.record(turn, pieces.join(''), event, true);
          yield {
            delta: '',
            conversation_id,
            finished: true,
            ...usage,
            finish_reason: event.finishReason,
            model: event.model,
            ...(!historySaved && { history_saved: false }),
          };
        }
      }
    } catch (error) {
      // A client that left gets nothing more, and its unfinished turn is not stored.
      if (clientLeft(signal)) return;
      const failure = explain(error, signal);
      this.logger.warn({ err: this.scrubber.describe(failure) }, 'stream failed mid-way');
      const { error: code, message } = describeError(failure);
      yield { delta: '', conversation_id, finished: true, error: { error: code, message } };
    }
  }

  private async prepare(request: ChatRequestDto, caller: Caller): Promise<PendingTurn> {
    const conversationId = request.conversation_id ?? randomUUID();
    const history = request.conversation_id
      ? await this.conversations.findForCaller(conversationId, caller)
      : undefined;
    return {
      conversationId,
      caller,
      newSystemPrompt: request.system_prompt,
      question: request.message,
      askedAt: new Date().toISOString(),
      llmRequest: llmRequestFor(request, this.defaults, history),
    };
  }

  /** A cache hit was not billed: its cost is 0 and it adds no tokens to the conversation's totals. */
  private async record(
    turn: PendingTurn,
    content: string,
    answer: Answer,
    billed: boolean,
  ): Promise<RecordedTurn> {
    const cost = billed ? this.pricing.costOf(answer.model, answer.usage) : 0;
    const tokens = answer.usage ? answer.usage.promptTokens + answer.usage.completionTokens : null;
    const answeredAt = new Date().toISOString();
    const usage = {
      tokens_used: tokens,
      prompt_tokens: answer.usage?.promptTokens ?? null,
      completion_tokens: answer.usage?.completionTokens ?? null,
      cost_estimate: cost,
    };
    try {
      await this.conversations.recordTurn(turn.conversationId, {
        ownerId: turn.caller.keyId,
        systemPrompt: turn.newSystemPrompt,
        messages: [
          { role: 'user', content: turn.question, timestamp: turn.askedAt },
          { role: 'assistant', content, timestamp: answeredAt },
        ],
        tokens: billed ? (tokens ?? 0) : 0,
        cost,
        at: answeredAt,
      });
      return { usage, historySaved: true };
    } catch (error) {
      // An answer the caller already paid for beats an error; the response says it was not saved.
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.logger.warn({ err: this.scrubber.describe(error) }, 'turn not saved: store unavailable');
      return { usage, historySaved: false };
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable, Subscriber } from 'rxjs';
import type { Caller } from '../common/auth/caller';
import { spending, type LlmSpend } from '../common/interceptors/cost-tracking.interceptor';
import { sendEventStream } from '../common/sse/event-stream';
import type { LlmCall } from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { ChatService } from './chat.service';
import type { ChatRequestDto } from './dto/chat-request.dto';
import type { UsageFieldsDto } from './dto/chat-response.dto';
import type { ChatStreamEvent } from './dto/chat-stream-event.dto';

type Answered = UsageFieldsDto & { model: string; conversation_id: string };

function spendOf(answer: Answered, cached: boolean): LlmSpend {
  const { prompt_tokens, completion_tokens } = answer;
  return {
    model: answer.model,
    usage:
      prompt_tokens === null || completion_tokens === null
        ? null
        : { promptTokens: prompt_tokens, completionTokens: completion_tokens },
    costUsd: answer.cost_estimate,
    cached,
    conversationId: answer.conversation_id,
  };
}

/**
 * Puts a chat answer on the wire, JSON or an event stream, and emits what it
 * spent just before the last bytes go out, for the cost-tracking interceptor.
 */
@Injectable()
export class ChatResponder {
  constructor(
    private readonly chat: ChatService,
    private readonly metrics: Metrics,
  ) {}

  reply(
    request: ChatRequestDto,
    caller: Caller,
    call: LlmCall,
    res: Response,
  ): Observable<LlmSpend> {
    return request.stream
      ? this.stream(request, caller, call, res)
      : this.answer(request, caller, call, res);
  }

  stream(
    request: ChatRequestDto,
    caller: Caller,
    call: LlmCall,
    res: Response,
  ): Observable<LlmSpend> {
    return spending(async (spent) => {
      const stream = await this.chat.openStream(request, caller, call);
      await this.metrics.whileStreaming(() =>
        sendEventStream(res, spendingOnLastEvent(stream.events, spent), {
          'X-Conversation-ID': stream.conversationId,
          ...call.trace?.headers(),
        }),
      );
    });
  }

  private answer(
    request: ChatRequestDto,
    caller: Caller,
    call: LlmCall,
    res: Response,
  ): Observable<LlmSpend> {
    return spending(async (spent) => {
      const { body, historySaved } = await this.chat.complete(request, caller, call);
      spent.next(spendOf(body, body.cached));
      res.status(200).set({
        'X-Conversation-ID': body.conversation_id,
        'X-Cache': body.cached ? 'HIT' : 'MISS',
        ...call.trace?.headers(),
        ...(!historySaved && { 'X-History-Saved': 'false' }),
      });
      res.json(body);
    });
  }
}

async function* spendingOnLastEvent(
  events: AsyncIterable<ChatStreamEvent>,
  spent: Subscriber<LlmSpend>,
): AsyncGenerator<ChatStreamEvent> {
  for await (const event of events) {
    if (event.finished && 'model' in event) spent.next(spendOf(event, false));
    yield event;
  }
}

import type { ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Caller } from '../common/auth/caller';
import { setChatLogFields } from '../common/logging/request-log';
import { sendEventStream } from '../common/sse/event-stream';
import type { LlmCall } from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { ChatReadAhead } from './chat-read-ahead';
import { ChatService } from './chat.service';
import type { ChatRequestDto } from './dto/chat-request.dto';
import type { ChatStreamEvent } from './dto/chat-stream-event.dto';

/** Puts a chat answer on the wire: JSON, or an event stream when asked for one. */
@Injectable()
export class ChatResponder {
  constructor(
    private readonly chat: ChatService,
    private readonly readAhead: ChatReadAhead,
    private readonly metrics: Metrics,
  ) {}

  async reply(
    request: ChatRequestDto,
    caller: Caller,
    call: LlmCall,
    reply: FastifyReply,
  ): Promise<void> {
    if (request.stream) return this.stream(request, caller, call, reply);
    const { body, historySaved } = await this.chat.complete(
      request,
      caller,
      call,
      this.readAhead.readsFor(reply.request.raw),
    );
    reply.status(200).headers({
      'X-Conversation-ID': body.conversation_id,
      'X-Cache': body.cached ? 'HIT' : 'MISS',
      ...(!historySaved && { 'X-History-Saved': 'false' }),
    });
    setChatLogFields(reply.raw, {
      model: body.model,
      cached: body.cached,
      tokens: body.tokens_used,
      cost: body.cost_estimate,
    });
    void reply.send(body);
  }

  async stream(
    request: ChatRequestDto,
    caller: Caller,
    call: LlmCall,
    reply: FastifyReply,
  ): Promise<void> {
    const stream = await this.chat.openStream(
      request,
      caller,
      call,
      this.readAhead.readsFor(reply.request.raw),
    );
    this.metrics.activeStreams.inc();
    try {
      await sendEventStream(reply, this.loggingLastEvent(stream.events, reply.raw), {
        'X-Conversation-ID': stream.conversationId,
      });
    } finally {
      this.metrics.activeStreams.dec();
    }
  }

  private async *loggingLastEvent(
    events: AsyncIterable<ChatStreamEvent>,
    res: ServerResponse,
  ): AsyncGenerator<ChatStreamEvent> {
    for await (const event of events) {
      if (event.finished && 'model' in event) {
        setChatLogFields(res, {
          model: event.model,
          cached: false,
          tokens: event.tokens_used,
          cost: event.cost_estimate,
        });
      }
      yield event;
    }
  }
}

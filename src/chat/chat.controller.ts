import { Body, Controller, HttpCode, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiSecurity,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { CurrentCaller, type Caller } from '../common/auth/caller';
import {
  CostTrackingInterceptor,
  type LlmSpend,
} from '../common/interceptors/cost-tracking.interceptor';
import { EstimatesSpend } from '../common/interceptors/spend-estimate.decorator';
import { chatWorstCase } from './chat-spend';
import { RequestSignal } from '../lifecycle/request-signal.decorator';
import type { UpstreamTrace } from '../llm/upstream-trace';
import { RequestUpstreamTrace } from '../llm/upstream-trace.decorator';
import { ApiErrorResponses } from '../common/openapi/api-error-responses.decorator';
import { ChatResponder } from './chat-responder';
import { ChatRequestDto } from './dto/chat-request.dto';
import { ChatResponseDto } from './dto/chat-response.dto';
import { ChatStreamEventDto } from './dto/chat-stream-event.dto';

/** What "Try it out" sends: a first turn, with no conversation_id that someone else's could share. */
const FIRST_TURN = {
  type: ChatRequestDto,
  examples: {
    firstTurn: {
      summary: 'A first turn',
      value: {
        message: 'What is the capital of France?',
        system_prompt: 'You are a concise assistant.',
        temperature: 0.7,
        max_tokens: 500,
      },
    },
  },
};

/** Set when a provider was called (not on a cache hit). */
const UPSTREAM_HEADERS = {
  'X-LLM-Upstream': {
    description: 'the upstream (LLM_UPSTREAMS name) that answered',
    schema: { type: 'string' },
  },
  'X-Upstream-Time': {
    description: 'seconds spent waiting on providers, all attempts; at most X-Process-Time',
    schema: { type: 'string' },
  },
};

const EVENT_STREAM_DESCRIPTION =
  'text/event-stream: one `data: <ChatStreamEvent JSON>` line per event, then a blank line. ' +
  'Pieces have `finished: false`; the last event has `finished: true` and usage, or `error` if the provider failed mid-stream.';

// Listed in this order, the document offers a bearer token first, then X-API-Key.
@ApiSecurity('api-key')
@ApiBearerAuth()
@ApiTags('chat')
@ApiConsumes('application/json')
@ApiExtraModels(ChatResponseDto, ChatStreamEventDto)
@ApiErrorResponses(
  'bad_request',
  'context_length_exceeded',
  'unauthorized',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'validation_error',
  'rate_limit_exceeded',
  'budget_exceeded',
  'upstream_rate_limited',
  'upstream_error',
  'upstream_unavailable',
  'store_unavailable',
  'upstream_timeout',
)
@UseInterceptors(CostTrackingInterceptor)
@EstimatesSpend(chatWorstCase)
@Controller('api/v1/chat')
export class ChatController {
  constructor(private readonly responder: ChatResponder) {}

  @Post()
  @HttpCode(200)
  @ApiBody(FIRST_TURN)
  @ApiOperation({ summary: 'Send a message and get the answer (or a stream, with stream: true)' })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({
    description: `The answer, with headers X-Conversation-ID and X-Cache (HIT|MISS). With stream: true, ${EVENT_STREAM_DESCRIPTION}`,
    headers: {
      'X-Conversation-ID': { schema: { type: 'string', format: 'uuid' } },
      'X-Cache': { schema: { type: 'string', enum: ['HIT', 'MISS'] } },
      ...UPSTREAM_HEADERS,
    },
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ChatResponseDto) } },
      'text/event-stream': { schema: { $ref: getSchemaPath(ChatStreamEventDto) } },
    },
  })
  chat(
    @Body() request: ChatRequestDto,
    @CurrentCaller() caller: Caller,
    @RequestSignal() signal: AbortSignal,
    @RequestUpstreamTrace() trace: UpstreamTrace,
    @Res() res: Response,
  ): Observable<LlmSpend> {
    return this.responder.reply(request, caller, { signal, trace }, res);
  }

  @Post('stream')
  @HttpCode(200)
  @ApiBody(FIRST_TURN)
  @ApiOperation({ summary: 'Send a message and stream the answer as Server-Sent Events' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: `${EVENT_STREAM_DESCRIPTION} Header X-Conversation-ID.`,
    headers: {
      'X-Conversation-ID': { schema: { type: 'string', format: 'uuid' } },
      ...UPSTREAM_HEADERS,
    },
    content: { 'text/event-stream': { schema: { $ref: getSchemaPath(ChatStreamEventDto) } } },
  })
  stream(
    @Body() request: ChatRequestDto,
    @CurrentCaller() caller: Caller,
    @RequestSignal() signal: AbortSignal,
    @RequestUpstreamTrace() trace: UpstreamTrace,
    @Res() res: Response,
  ): Observable<LlmSpend> {
    return this.responder.stream(request, caller, { signal, trace }, res);
  }
}

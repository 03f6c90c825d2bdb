import { Body, Controller, Get, HttpCode, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { CurrentCaller, type Caller } from '../common/auth/caller';
import {
  CostTrackingInterceptor,
  type LlmSpend,
} from '../common/interceptors/cost-tracking.interceptor';
import { EstimatesSpend } from '../common/interceptors/spend-estimate.decorator';
import { RequestSignal } from '../lifecycle/request-signal.decorator';
import type { UpstreamTrace } from '../llm/upstream-trace';
import { RequestUpstreamTrace } from '../llm/upstream-trace.decorator';
import { ModelListDto } from './dto/model-list.dto';
import { OpenAiCompatResponder } from './openai-compat.responder';
import { OpenAiCompatService } from './openai-compat.service';
import { wireWorstCase } from './wire-request';

const OPENAI_ERROR = {
  description:
    'OpenAI\'s error shape: `{"error": {"message", "type", "param", "code"}}` (401, 404 `model_not_found`, 400, 429, 502/503, 504).',
  schema: {
    properties: {
      error: {
        properties: {
          message: { type: 'string' },
          type: { type: 'string', example: 'invalid_request_error' },
          param: { type: 'string', nullable: true },
          code: { type: 'string', nullable: true, example: 'model_not_found' },
        },
      },
    },
  },
};

// Listed in this order, the document offers a bearer token first, then X-API-Key.
@ApiSecurity('api-key')
@ApiBearerAuth()
@ApiTags('openai-compatible')
@Controller('v1')
export class OpenAiCompatController {
  constructor(
    private readonly responder: OpenAiCompatResponder,
    private readonly compat: OpenAiCompatService,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  @UseInterceptors(CostTrackingInterceptor)
  @EstimatesSpend(wireWorstCase)
  @ApiOperation({
    summary: "OpenAI's chat completions: point an OpenAI SDK's baseURL here",
    description:
      "OpenAI's request body as OpenAI documents it; unknown fields are passed to the provider. " +
      'Stateless (no conversation memory). Cached only with `temperature: 0` or a `seed`, and never with `tools`. ' +
      'With `stream: true`: `chat.completion.chunk` events ending in `data: [DONE]`, the usage chunk only with `stream_options.include_usage`.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['model', 'messages'],
      additionalProperties: true,
      properties: {
        model: { type: 'string', example: 'gpt-4o-mini' },
        messages: {
          type: 'array',
          items: { type: 'object' },
          example: [{ role: 'user', content: 'What is the capital of France?' }],
        },
        temperature: { type: 'number', example: 0.7 },
        max_tokens: { type: 'integer', example: 500 },
        stream: { type: 'boolean', example: false },
      },
    },
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ description: 'A `chat.completion`, or with `stream: true` an event stream.' })
  @ApiResponse({ status: 400, ...OPENAI_ERROR })
  @ApiResponse({ status: 401, ...OPENAI_ERROR })
  @ApiResponse({ status: 404, ...OPENAI_ERROR })
  @ApiResponse({ status: 429, ...OPENAI_ERROR })
  @ApiResponse({ status: 503, ...OPENAI_ERROR })
  create(
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @RequestSignal() signal: AbortSignal,
    @RequestUpstreamTrace() trace: UpstreamTrace,
    @Res() res: Response,
  ): Observable<LlmSpend> {
    return this.responder.reply(body, caller, { signal, trace }, res);
  }

  @Get('models')
  @ApiOperation({ summary: "The models a request may pick, in OpenAI's list format" })
  @ApiOkResponse({ type: ModelListDto })
  @ApiResponse({ status: 401, ...OPENAI_ERROR })
  models(): ModelListDto {
    return {
      object: 'list',
      data: this.compat.models.map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'llm-chat-api',
      })),
    };
  }
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_BY_ERROR_CODE, type ErrorCode } from '../../common/errors/error-code';

class StreamErrorDto {
  @ApiProperty({ enum: Object.keys(STATUS_BY_ERROR_CODE), example: 'upstream_unavailable' })
  error!: ErrorCode;

  @ApiProperty()
  message!: string;
}

/**
 * One `data:` line of the event stream. Pieces carry `delta`; the last event has
 * `finished: true` and either the usage fields or `error`.
 */
export class ChatStreamEventDto {
  @ApiProperty({ description: 'The next piece of the answer; "" on the last event.' })
  delta!: string;

  @ApiProperty({ format: 'uuid' })
  conversation_id!: string;

  @ApiProperty()
  finished!: boolean;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  tokens_used?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  prompt_tokens?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  completion_tokens?: number | null;

  @ApiPropertyOptional({ type: 'number', nullable: true })
  cost_estimate?: number | null;

  @ApiPropertyOptional({ example: 'stop' })
  finish_reason?: string;

  @ApiPropertyOptional()
  model?: string;

  @ApiPropertyOptional({
    enum: [false],
    description:
      'false on the last event when the answer could not be saved to the conversation (store unavailable).',
  })
  history_saved?: false;

  @ApiPropertyOptional({
    type: StreamErrorDto,
    description: 'Present on the last event when the provider failed mid-stream.',
  })
  error?: StreamErrorDto;
}

export type ChatStreamEvent =
  | { delta: string; conversation_id: string; finished: false }
  | ({
      delta: '';
      conversation_id: string;
      finished: true;
      finish_reason: string;
      model: string;
      history_saved?: false;
    } & Record<
      'tokens_used' | 'prompt_tokens' | 'completion_tokens' | 'cost_estimate',
      number | null
    >)
  | {
      delta: '';
      conversation_id: string;
      finished: true;
      error: { error: ErrorCode; message: string };
    };

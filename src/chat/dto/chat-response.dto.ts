import { ApiProperty } from '@nestjs/swagger';

/** Token counts are the provider's own; null only when the provider reported none. */
export class UsageFieldsDto {
  @ApiProperty({ type: 'integer', nullable: true, example: 42 })
  tokens_used!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 30 })
  prompt_tokens!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 12 })
  completion_tokens!: number | null;

  @ApiProperty({
    type: 'number',
    nullable: true,
    example: 0.00042,
    description:
      'USD for this call. null when the model has no known price (never a guess); 0 for a cache hit.',
  })
  cost_estimate!: number | null;
}

export class ChatResponseDto extends UsageFieldsDto {
  @ApiProperty({ description: "The assistant's answer." })
  message!: string;

  @ApiProperty({ format: 'uuid' })
  conversation_id!: string;

  @ApiProperty({ example: 'gpt-4o-mini-2024-07-18', description: 'The model that answered.' })
  model!: string;

  @ApiProperty({ example: 'stop', description: 'stop, length, content_filter, ...' })
  finish_reason!: string;

  @ApiProperty({ description: 'true when served from the response cache.' })
  cached!: boolean;

  @ApiProperty({ format: 'date-time' })
  timestamp!: string;
}

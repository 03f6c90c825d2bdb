import { ApiProperty } from '@nestjs/swagger';
import type { Conversation } from '../conversation.store';

export class ConversationMessageDto {
  @ApiProperty({ enum: ['user', 'assistant'] })
  role!: 'user' | 'assistant';

  @ApiProperty()
  content!: string;

  @ApiProperty({ format: 'date-time' })
  timestamp!: string;
}

export class ConversationResponseDto {
  @ApiProperty({ format: 'uuid' })
  conversation_id!: string;

  @ApiProperty({
    type: [ConversationMessageDto],
    description: 'The most recent CONVERSATION_MAX_MESSAGES messages, oldest first.',
  })
  messages!: ConversationMessageDto[];

  @ApiProperty({ type: 'string', nullable: true })
  system_prompt!: string | null;

  @ApiProperty({ type: 'integer' })
  total_tokens!: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    description: 'USD; null once a turn used a model with no known price.',
  })
  total_cost!: number | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  static from(conversation: Conversation): ConversationResponseDto {
    return {
      conversation_id: conversation.id,
      messages: conversation.messages.map(({ role, content, timestamp }) => ({
        role,
        content,
        timestamp,
      })),
      system_prompt: conversation.systemPrompt,
      total_tokens: conversation.totalTokens,
      total_cost: conversation.totalCost,
      created_at: conversation.createdAt,
      updated_at: conversation.updatedAt,
    };
  }
}

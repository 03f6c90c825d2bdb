import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  Validate,
} from 'class-validator';
import { AllowedModelConstraint } from './allowed-model.constraint';

// class-validator checks a property's decorators bottom-up and the pipe stops at the first
// failure, so each type check sits last: a string temperature is reported as "not a number".
export class ChatRequestDto {
  @ApiProperty({
    description: 'The user message; trimmed, then 1 to 5000 characters.',
    minLength: 1,
    maxLength: 5000,
    example: 'What is the capital of France?',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(1, 5000)
  @IsString()
  message!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "Leave it out on a first turn and send back the answer's conversation_id to continue; an id the service has not seen starts a conversation under it.",
  })
  @IsOptional()
  @IsUUID('all')
  conversation_id?: string;

  @ApiPropertyOptional({
    maxLength: 1000,
    description:
      'Stored with the conversation and sent first on every later turn; a new one replaces it.',
    example: 'You are a concise assistant.',
  })
  @IsOptional()
  @MaxLength(1000)
  @IsString()
  system_prompt?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2,
    description: 'Default from OPENAI_TEMPERATURE (0.7).',
    example: 0.7,
  })
  @IsOptional()
  @Min(0)
  @Max(2)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  temperature?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 4000,
    description: 'Default from OPENAI_MAX_TOKENS (1000).',
    example: 500,
  })
  @IsOptional()
  @Min(1)
  @Max(4000)
  @IsInt()
  max_tokens?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'true answers exactly as POST /api/v1/chat/stream does (text/event-stream).',
  })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({
    description: 'One of the models in OPENAI_ALLOWED_MODELS; default OPENAI_MODEL.',
    example: 'gpt-4o-mini',
  })
  @IsOptional()
  @Validate(AllowedModelConstraint)
  @IsString()
  model?: string;
}

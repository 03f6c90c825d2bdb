import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_BY_ERROR_CODE, type ErrorCode } from '../errors/error-code';

export class FieldProblemDto {
  @ApiProperty({ example: 'message' })
  field!: string;

  @ApiProperty({ example: 'message must be longer than or equal to 1 characters' })
  message!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ enum: Object.keys(STATUS_BY_ERROR_CODE), example: 'validation_error' })
  error!: ErrorCode;

  @ApiProperty({ example: 'The request is not valid.' })
  message!: string;

  @ApiProperty({ example: '6f1c1a8e-3c1b-4b8e-9a55-1f0f3b2f1c7d' })
  request_id!: string;

  @ApiPropertyOptional({
    type: [FieldProblemDto],
    description: 'One entry per invalid field (422).',
  })
  details?: FieldProblemDto[];

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Whole seconds to wait before retrying (429).',
    example: 30,
  })
  retry_after?: number;
}

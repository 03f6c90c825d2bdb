import { ApiProperty } from '@nestjs/swagger';

export class ModelsResponseDto {
  @ApiProperty({ description: 'The model a request without `model` gets.', example: 'gpt-4o-mini' })
  default!: string;

  @ApiProperty({
    type: [String],
    description: 'Every model a request may pick, the default first.',
    example: ['gpt-4o-mini'],
  })
  models!: string[];
}

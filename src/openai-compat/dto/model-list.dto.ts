import { ApiProperty } from '@nestjs/swagger';

export class ModelDto {
  @ApiProperty({ example: 'gpt-4o-mini' })
  id!: string;

  @ApiProperty({ enum: ['model'] })
  object!: 'model';

  @ApiProperty({ type: 'integer', description: 'Unix seconds; 0: not known to this service.' })
  created!: number;

  @ApiProperty({ example: 'llm-chat-api' })
  owned_by!: string;
}

/** OpenAI's list format: exactly the models a request may pick. */
export class ModelListDto {
  @ApiProperty({ enum: ['list'] })
  object!: 'list';

  @ApiProperty({ type: [ModelDto] })
  data!: ModelDto[];
}

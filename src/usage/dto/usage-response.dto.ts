import { ApiProperty } from '@nestjs/swagger';

export class PeriodUsageDto {
  @ApiProperty({ type: 'integer' })
  requests!: number;

  @ApiProperty({ type: 'integer' })
  prompt_tokens!: number;

  @ApiProperty({ type: 'integer' })
  completion_tokens!: number;

  @ApiProperty({
    type: 'number',
    description: 'USD, from the provider’s own usage; a cache hit adds 0.',
  })
  usd!: number;

  @ApiProperty({ format: 'date-time', description: 'When this period starts again (UTC).' })
  resets_at!: string;
}

export class UsageLimitsDto {
  @ApiProperty({ type: 'integer', nullable: true })
  requests_per_minute!: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  tokens_per_day!: number | null;

  @ApiProperty({ type: 'number', nullable: true })
  usd_per_month!: number | null;
}

export class UsageResponseDto {
  @ApiProperty({ example: 'team-a', description: "The key's name, or a short digest id." })
  key!: string;

  @ApiProperty({ type: PeriodUsageDto })
  day!: PeriodUsageDto;

  @ApiProperty({ type: PeriodUsageDto })
  month!: PeriodUsageDto;

  @ApiProperty({ type: UsageLimitsDto, description: 'A limit that is not set is null.' })
  limits!: UsageLimitsDto;
}

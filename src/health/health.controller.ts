import { Controller, Get, UseFilters } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { PublicRoute } from '../common/auth/public-route.decorator';
import { HealthCheckFailureFilter } from './health-check-failure.filter';
import { LlmProviderHealthIndicator } from './llm-provider.health';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';
import { SkipThrottle } from '@nestjs/throttler';

class LivenessDto {
  status!: 'healthy';
  timestamp!: string;
}

@ApiTags('health')
@PublicRoute()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly llm: LlmProviderHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
  ) {}

  @Get(['', 'live'])
  @ApiOperation({ summary: 'Liveness: the process answers; no dependency is checked' })
  @ApiOkResponse({
    schema: {
      properties: {
        status: { type: 'string', example: 'healthy' },
        timestamp: { type: 'string', format: 'date-time' },
      },
    },
  })
  live(): LivenessDto {
    return { status: 'healthy', timestamp: new Date().toISOString() };
  }

  @Get('ready')
  @HealthCheck()
  @UseFilters(HealthCheckFailureFilter)
  @ApiOperation({ summary: 'Readiness: dependencies are up and the process is not shutting down' })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down, or the process is draining.',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.shutdown.check(),
      () => this.llm.check(),
      ...(this.redis.isConfigured ? [() => this.redis.check()] : []),
    ]);
  }
}

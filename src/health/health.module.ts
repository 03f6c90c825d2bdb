import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LlmModule } from '../llm/llm.module';
import { HealthController } from './health.controller';
import { LlmProviderHealthIndicator } from './llm-provider.health';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), LlmModule],
  controllers: [HealthController],
  providers: [LlmProviderHealthIndicator, RedisHealthIndicator, ShutdownHealthIndicator],
})
export class HealthModule {}

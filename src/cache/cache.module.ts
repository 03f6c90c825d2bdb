import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module';
import { CacheRedisConnection } from './cache-redis.connection';
import { ResponseCache } from './response-cache';

@Module({
  imports: [LlmModule],
  providers: [CacheRedisConnection, ResponseCache],
  exports: [ResponseCache],
})
export class CacheModule {}

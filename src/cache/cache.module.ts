import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module';
import { ResponseCache } from './response-cache';

@Module({
  imports: [LlmModule],
  providers: [ResponseCache],
  exports: [ResponseCache],
})
export class CacheModule {}

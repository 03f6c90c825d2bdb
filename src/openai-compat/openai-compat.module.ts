import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { JsonBodyMiddleware } from '../common/body/json-body.middleware';
import { LlmModule } from '../llm/llm.module';
import { OpenAiCompatController } from './openai-compat.controller';
import { OpenAiCompatResponder } from './openai-compat.responder';
import { OpenAiCompatService } from './openai-compat.service';

/** POST /v1/chat/completions and GET /v1/models in OpenAI's wire format, on the same guards, LLM layer and cache. */
@Module({
  imports: [LlmModule, CacheModule],
  controllers: [OpenAiCompatController],
  providers: [OpenAiCompatService, OpenAiCompatResponder],
})
export class OpenAiCompatModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(OpenAiCompatController);
  }
}

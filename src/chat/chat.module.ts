import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { JsonBodyMiddleware } from '../common/body/json-body.middleware';
import { ConversationModule } from '../conversation/conversation.module';
import { LlmModule } from '../llm/llm.module';
import { ChatResponder } from './chat-responder';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { AllowedModelConstraint } from './dto/allowed-model.constraint';

@Module({
  imports: [LlmModule, ConversationModule, CacheModule],
  controllers: [ChatController],
  providers: [ChatService, ChatResponder, AllowedModelConstraint],
})
export class ChatModule implements NestModule {
  /** Only routes that take a body parse one; Nest runs it after the request logger and metrics. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(ChatController);
  }
}

import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { ConversationModule } from '../conversation/conversation.module';
import { LlmModule } from '../llm/llm.module';
import { ChatReadAhead } from './chat-read-ahead';
import { ChatResponder } from './chat-responder';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { AllowedModelConstraint } from './dto/allowed-model.constraint';

@Module({
  imports: [LlmModule, ConversationModule, CacheModule],
  controllers: [ChatController],
  providers: [ChatService, ChatResponder, ChatReadAhead, AllowedModelConstraint],
})
export class ChatModule {}

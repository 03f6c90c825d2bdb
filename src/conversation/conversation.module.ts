import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { ConversationService } from './conversation.service';
import { ConversationStore } from './conversation.store';
import { ConversationsController } from './conversations.controller';
import { MemoryConversationStore } from './memory-conversation.store';

@Module({
  controllers: [ConversationsController],
  providers: [
    {
      provide: ConversationStore,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        new MemoryConversationStore(config.get('conversation', { infer: true })),
    },
    ConversationService,
  ],
  exports: [ConversationService],
})
export class ConversationModule {}

import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { ConversationService } from './conversation.service';
import { ConversationStore } from './conversation.store';
import { ConversationsController } from './conversations.controller';
import { MemoryConversationStore } from './memory-conversation.store';
import { RedisConversationStore } from './redis-conversation.store';
import { RedisConnection } from '../redis/redis.connection';

@Module({
  controllers: [ConversationsController],
  providers: [
    {
      provide: ConversationStore,
      inject: [ConfigService, RedisConnection],
      useFactory: (config: ConfigService<AllConfig, true>, redis: RedisConnection) => {
        const settings = config.get('conversation', { infer: true });
        return redis.client
          ? new RedisConversationStore(redis.client, settings, redis.keyPrefix)
          : new MemoryConversationStore(settings);
      },
    },
    ConversationService,
  ],
  exports: [ConversationService],
})
export class ConversationModule {}

import { registerAs } from '@nestjs/config';
import { EnvReader } from './env-reader';

export const conversationConfig = registerAs('conversation', () => {
  const env = new EnvReader(process.env);
  return {
    maxMessages: env.integer('CONVERSATION_MAX_MESSAGES', { min: 2, max: 1000 }),
    ttlSeconds: env.integer('CONVERSATION_TTL', { min: 1 }),
    maxCount: env.integer('CONVERSATION_MAX_COUNT', { min: 1 }),
    maxBytes: env.bytes('CONVERSATION_MAX_BYTES'),
  };
});

export type ConversationConfig = ReturnType<typeof conversationConfig>;

import { registerAs } from '@nestjs/config';
import { parseByteSize } from './env-units';
import { loadEnvironment } from './validate-environment';

export const conversationConfig = registerAs('conversation', () => {
  const env = loadEnvironment();
  return {
    maxMessages: env.CONVERSATION_MAX_MESSAGES,
    ttlSeconds: env.CONVERSATION_TTL,
    maxCount: env.CONVERSATION_MAX_COUNT,
    maxBytes: parseByteSize(env.CONVERSATION_MAX_BYTES),
  };
});

export type ConversationConfig = ReturnType<typeof conversationConfig>;

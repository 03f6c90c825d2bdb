import { ConfigModule } from '@nestjs/config';
import { appConfig, type AppConfig } from './app.config';
import { cacheConfig, type CacheConfig } from './cache.config';
import { conversationConfig, type ConversationConfig } from './conversation.config';
import { llmConfig, type LlmConfig } from './llm.config';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config';
import { redisConfig, type RedisConfig } from './redis.config';

export interface AllConfig {
  app: AppConfig;
  llm: LlmConfig;
  conversation: ConversationConfig;
  redis: RedisConfig;
  cache: CacheConfig;
  rateLimit: RateLimitConfig;
}

const namespaces = [
  appConfig,
  llmConfig,
  conversationConfig,
  redisConfig,
  cacheConfig,
  rateLimitConfig,
];

/** Throws a ConfigValidationError naming the first bad variable. */
export function assertValidConfiguration(): void {
  for (const load of namespaces) load();
}

export function configModule() {
  return ConfigModule.forRoot({
    isGlobal: true,
    cache: true,
    load: namespaces,
    // A developer's .env must not change what the tests see.
    ignoreEnvFile: process.env.NODE_ENV === 'test',
  });
}

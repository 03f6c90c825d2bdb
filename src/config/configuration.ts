import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigModule } from '@nestjs/config';
import { appConfig, type AppConfig } from './app.config';
import { cacheConfig, type CacheConfig } from './cache.config';
import { conversationConfig, type ConversationConfig } from './conversation.config';
import { llmConfig, type LlmConfig } from './llm.config';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config';
import { redisConfig, type RedisConfig } from './redis.config';
import { validateEnvironment } from './validate-environment';

export interface AllConfig {
  app: AppConfig;
  llm: LlmConfig;
  conversation: ConversationConfig;
  redis: RedisConfig;
  cache: CacheConfig;
  rateLimit: RateLimitConfig;
}

const ENV_FILE = '.env';

// A developer's .env must not change what the tests see.
const readsEnvFile = () => process.env.NODE_ENV !== 'test';

function envFileVariables(): NodeJS.Dict<string> {
  const path = resolve(ENV_FILE);
  return readsEnvFile() && existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

/**
 * Throws a ConfigValidationError naming every bad variable of what ConfigModule
 * validates: the process's variables over the .env file.
 */
export function assertValidConfiguration(): void {
  validateEnvironment({ ...envFileVariables(), ...process.env });
}

export function configModule() {
  return ConfigModule.forRoot({
    isGlobal: true,
    cache: true,
    validate: validateEnvironment,
    load: [appConfig, llmConfig, conversationConfig, redisConfig, cacheConfig, rateLimitConfig],
    envFilePath: ENV_FILE,
    ignoreEnvFile: !readsEnvFile(),
  });
}

import { ConfigModule } from '@nestjs/config';
import { appConfig, type AppConfig } from './app.config';
import { conversationConfig, type ConversationConfig } from './conversation.config';
import { llmConfig, type LlmConfig } from './llm.config';

export interface AllConfig {
  app: AppConfig;
  llm: LlmConfig;
  conversation: ConversationConfig;
}

const namespaces = [appConfig, llmConfig, conversationConfig];

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

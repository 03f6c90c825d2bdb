import { createHash } from 'node:crypto';
import { appConfig } from './app.config';
import { cacheConfig } from './cache.config';
import { assertValidConfiguration } from './configuration';
import { conversationConfig } from './conversation.config';
import { ConfigValidationError } from './env-reader';
import { ENVIRONMENT_VARIABLES } from './environment-variables';
import { llmConfig } from './llm.config';
import { rateLimitConfig } from './rate-limit.config';

const saved = process.env;

/** Runs the tests against exactly `env`: none of the service's variables leak in from outside. */
function useEnv(env: Record<string, string>): void {
  const clean = { ...saved };
  for (const name of Object.keys(ENVIRONMENT_VARIABLES)) delete clean[name];
  process.env = { ...clean, ...env };
}

function configErrorOf(run: () => unknown): ConfigValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error('expected a ConfigValidationError, but the configuration was accepted');
}

describe('assertValidConfiguration', () => {
  beforeEach(() => useEnv({}));
  afterEach(() => {
    process.env = saved;
  });

  it('accepts an environment that sets nothing', () => {
    expect(() => assertValidConfiguration()).not.toThrow();
  });

  it.each<[string, Record<string, string>]>([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '65536' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['BODY_LIMIT', { BODY_LIMIT: 'lots' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'sometimes' }],
    ['SHUTDOWN_TIMEOUT', { SHUTDOWN_TIMEOUT: '0' }],
    ['LLM_PROVIDER', { LLM_PROVIDER: 'bogus' }],
    ['OPENAI_BASE_URL', { OPENAI_BASE_URL: 'not a url' }],
    ['OPENAI_MAX_TOKENS', { OPENAI_MAX_TOKENS: '0' }],
    ['OPENAI_MAX_TOKENS', { OPENAI_MAX_TOKENS: '4001' }],
    ['OPENAI_TEMPERATURE', { OPENAI_TEMPERATURE: '3' }],
    ['OPENAI_TEMPERATURE', { OPENAI_TEMPERATURE: '-0.5' }],
    ['OPENAI_TIMEOUT', { OPENAI_TIMEOUT: '0' }],
    ['OPENAI_TIMEOUT', { OPENAI_TIMEOUT: '-5' }],
    ['OPENAI_MAX_RETRIES', { OPENAI_MAX_RETRIES: '-1' }],
    ['OPENAI_RETRY_BASE_DELAY', { OPENAI_RETRY_BASE_DELAY: '-1' }],
    ['MODEL_PRICING', { MODEL_PRICING: 'not json' }],
    ['MODEL_PRICING', { MODEL_PRICING: '{"m":{"input":-1,"output":1}}' }],
    ['MODEL_PRICING', { MODEL_PRICING: '{"m":{"input":"0.1","output":1}}' }],
    ['MODEL_PRICING', { MODEL_PRICING: '[1, 2]' }],
    ['CONVERSATION_TTL', { CONVERSATION_TTL: '-1' }],
    ['CONVERSATION_TTL', { CONVERSATION_TTL: '0' }],
    ['CONVERSATION_MAX_MESSAGES', { CONVERSATION_MAX_MESSAGES: '1' }],
    ['CONVERSATION_MAX_COUNT', { CONVERSATION_MAX_COUNT: '0' }],
    ['RATE_LIMIT_REQUESTS', { RATE_LIMIT_REQUESTS: '0' }],
    ['RATE_LIMIT_WINDOW', { RATE_LIMIT_WINDOW: '-1' }],
    ['RATE_LIMIT_WINDOW', { RATE_LIMIT_WINDOW: 'a minute' }],
    ['ENABLE_CACHE', { ENABLE_CACHE: 'perhaps' }],
    ['CACHE_TTL', { CACHE_TTL: '-1' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
  ])('names %s when given %p', (variable, env) => {
    useEnv(env);

    const error = configErrorOf(() => assertValidConfiguration());

    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable} `));
    expect(error.message).not.toContain('\n');
  });

  it('refuses production without OPENAI_API_KEY, naming OPENAI_API_KEY', () => {
    useEnv({ NODE_ENV: 'production' });

    const error = configErrorOf(() => assertValidConfiguration());

    expect(error.variable).toBe('OPENAI_API_KEY');
    expect(error.message).toContain('LLM_PROVIDER=mock');
  });

  it('accepts production without a key when LLM_PROVIDER=mock says so on purpose', () => {
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock' });

    expect(() => assertValidConfiguration()).not.toThrow();
    expect(llmConfig().provider).toBe('mock');
  });

  it('accepts production with a key', () => {
    useEnv({ NODE_ENV: 'production', OPENAI_API_KEY: 'sk-test-1234567890' });

    expect(() => assertValidConfiguration()).not.toThrow();
    expect(llmConfig().provider).toBe('openai');
  });

  it('refuses LLM_PROVIDER=openai without a key, naming OPENAI_API_KEY', () => {
    useEnv({ LLM_PROVIDER: 'openai' });

    expect(configErrorOf(() => assertValidConfiguration()).variable).toBe('OPENAI_API_KEY');
  });

  it('keeps the provider key out of every error message', () => {
    useEnv({ OPENAI_API_KEY: 'sk-secret-abcdef123456', OPENAI_TEMPERATURE: '9' });

    expect(configErrorOf(() => assertValidConfiguration()).message).not.toContain('sk-secret');
  });
});

describe('configuration defaults', () => {
  beforeEach(() => useEnv({}));
  afterEach(() => {
    process.env = saved;
  });

  it('applies the documented app defaults', () => {
    expect(appConfig()).toMatchObject({
      name: 'llm-chat-api',
      nodeEnv: 'development',
      isProduction: false,
      port: 8000,
      logLevel: 'info',
      corsOrigins: ['*'],
      bodyLimitBytes: 1024 * 1024,
      trustProxy: false,
      apiKeys: [],
      apiKeyDigests: [],
    });
  });

  it('applies the documented provider defaults, on the mock provider without a key', () => {
    expect(llmConfig()).toMatchObject({
      provider: 'mock',
      apiKey: undefined,
      baseUrl: undefined,
      defaultModel: 'gpt-4o-mini',
      allowedModels: ['gpt-4o-mini'],
      temperature: 0.7,
      maxTokens: 1000,
      timeoutMs: 60_000,
      maxRetries: 2,
      pricing: {},
    });
  });

  it('applies the documented conversation defaults', () => {
    expect(conversationConfig()).toEqual({
      maxMessages: 20,
      ttlSeconds: 604_800,
      maxCount: 10_000,
      maxBytes: 64 * 1024 * 1024,
    });
  });

  it('applies the documented rate-limit and cache defaults', () => {
    expect(rateLimitConfig()).toMatchObject({ requests: 10, windowMs: 60_000 });
    expect(cacheConfig()).toMatchObject({ enabled: true, ttlMs: 3_600_000 });
  });

  it('chooses the openai provider when a key is set', () => {
    useEnv({ OPENAI_API_KEY: 'sk-test-1234567890' });

    expect(llmConfig()).toMatchObject({ provider: 'openai', apiKey: 'sk-test-1234567890' });
  });

  it('always allows the default model alongside OPENAI_ALLOWED_MODELS', () => {
    useEnv({ OPENAI_MODEL: 'gpt-4o', OPENAI_ALLOWED_MODELS: 'gpt-4o-mini, gpt-4o' });

    expect(llmConfig().allowedModels.sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });

  it('reads MODEL_PRICING over the built-in table', () => {
    useEnv({ MODEL_PRICING: '{"local-llama": {"input": 0, "output": 0.002}}' });

    expect(llmConfig().pricing).toEqual({ 'local-llama': { input: 0, output: 0.002 } });
  });

  it('allows no cross-origin caller in production unless CORS_ORIGINS says so', () => {
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock' });
    expect(appConfig().corsOrigins).toEqual([]);

    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', CORS_ORIGINS: 'https://a.example' });
    expect(appConfig().corsOrigins).toEqual(['https://a.example']);
  });

  it('keeps API keys as SHA-256 digests, whether configured plain or hashed', () => {
    const digestOf = (key: string) => createHash('sha256').update(key).digest('hex');
    useEnv({ API_KEYS: `key-one, ${digestOf('key-two').toUpperCase()}` });

    expect(appConfig().apiKeyDigests).toEqual([digestOf('key-one'), digestOf('key-two')]);
  });
});

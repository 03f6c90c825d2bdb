import { createHash } from 'node:crypto';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { appConfig } from './app.config';
import { cacheConfig } from './cache.config';
import { assertValidConfiguration, configModule, type AllConfig } from './configuration';
import { ConfigValidationError } from './config-validation.error';
import { conversationConfig } from './conversation.config';
import { ENVIRONMENT_VARIABLES, type EnvironmentVariables } from './environment-variables';
import { llmConfig } from './llm.config';
import { rateLimitConfig } from './rate-limit.config';
import { redisConfig } from './redis.config';

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

    expect(error.variables).toEqual([variable]);
    expect(error.message).toMatch(new RegExp(`^${variable} `));
    expect(error.message).not.toContain('\n');
  });

  it('refuses production without OPENAI_API_KEY, naming OPENAI_API_KEY', () => {
    useEnv({ NODE_ENV: 'production', API_KEYS: 'a-key' });

    const error = configErrorOf(() => assertValidConfiguration());

    expect(error.variables).toEqual(['OPENAI_API_KEY']);
    expect(error.message).toContain('LLM_PROVIDER=mock');
  });

  it('accepts production without a key when LLM_PROVIDER=mock says so on purpose', () => {
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', API_KEYS: 'a-key' });

    expect(() => assertValidConfiguration()).not.toThrow();
    expect(llmConfig().provider).toBe('mock');
  });

  it('accepts production with a key', () => {
    useEnv({ NODE_ENV: 'production', OPENAI_API_KEY: 'sk-test-1234567890', API_KEYS: 'a-key' });

    expect(() => assertValidConfiguration()).not.toThrow();
    expect(llmConfig().provider).toBe('openai');
  });

  it('refuses production without API_KEYS, naming it beside any other bad variable', () => {
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', PORT: 'abc' });

    const error = configErrorOf(() => assertValidConfiguration());

    expect([...error.variables].sort()).toEqual(['API_KEYS', 'PORT']);
    expect(error.message).toContain('AUTH_DISABLED=true');
  });

  it('starts production without API_KEYS when AUTH_DISABLED=true says so on purpose', () => {
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', AUTH_DISABLED: 'true' });

    expect(() => assertValidConfiguration()).not.toThrow();
    expect(appConfig()).toMatchObject({ apiKeys: [], authDisabled: true });
  });

  it('refuses LLM_PROVIDER=openai without a key, naming OPENAI_API_KEY', () => {
    useEnv({ LLM_PROVIDER: 'openai' });

    expect(configErrorOf(() => assertValidConfiguration()).variables).toEqual(['OPENAI_API_KEY']);
  });

  it('keeps the provider key out of every error message', () => {
    useEnv({ OPENAI_API_KEY: 'sk-secret-abcdef123456', OPENAI_TEMPERATURE: '9' });

    expect(configErrorOf(() => assertValidConfiguration()).message).not.toContain('sk-secret');
  });

  it('names every bad variable, one line each, in one error', () => {
    useEnv({ PORT: 'abc', LLM_PROVIDER: 'bogus', RATE_LIMIT_WINDOW: '-1' });

    const error = configErrorOf(() => assertValidConfiguration());

    expect(error.variables).toEqual(['PORT', 'LLM_PROVIDER', 'RATE_LIMIT_WINDOW']);
    expect(error.message.split('\n')).toEqual([
      'PORT must be an integer from 0 to 65535 (got "abc")',
      expect.stringMatching(/^LLM_PROVIDER must be one of openai, mock/),
      expect.stringMatching(/^RATE_LIMIT_WINDOW /),
    ]);
  });

  it('keeps the password of a rejected REDIS_URL out of the message', () => {
    useEnv({ REDIS_URL: 'http://user:hunter2@cache:6379' });

    expect(configErrorOf(() => assertValidConfiguration()).message).not.toContain('hunter2');
  });
});

describe('configModule', () => {
  afterEach(() => {
    process.env = saved;
  });

  it('refuses a bad environment through ConfigModule validate, naming every bad variable', async () => {
    useEnv({ NODE_ENV: 'test', PORT: 'abc', ENABLE_CACHE: 'perhaps' });

    const loading = configModule();

    await expect(loading).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(loading).rejects.toMatchObject({ variables: ['PORT', 'ENABLE_CACHE'] });
  });

  it('serves the validated, typed variables and the namespaces built from them', async () => {
    useEnv({ NODE_ENV: 'test', ENABLE_CACHE: 'false', RATE_LIMIT_WINDOW: '1.5' });
    const moduleRef = await Test.createTestingModule({ imports: [configModule()] }).compile();

    const sut = moduleRef.get<ConfigService<AllConfig & EnvironmentVariables, true>>(ConfigService);

    expect(sut.get('ENABLE_CACHE', { infer: true })).toBe(false);
    expect(sut.get('PORT', { infer: true })).toBe(8000);
    expect(sut.get('cache', { infer: true }).enabled).toBe(false);
    expect(sut.get('rateLimit', { infer: true }).windowMs).toBe(1500);
    await moduleRef.close();
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
      authDisabled: false,
      metricsToken: undefined,
    });
  });

  it('applies the documented provider defaults, on the mock provider without a key', () => {
    expect(llmConfig()).toMatchObject({
      provider: 'mock',
      upstreams: [{ name: 'default', baseUrl: undefined, apiKey: undefined, weight: 1 }],
      fallbackModels: [],
      circuit: { threshold: 5, cooldownMs: 30_000, probeLeaseMs: 30_000 },
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

    expect(llmConfig()).toMatchObject({
      provider: 'openai',
      upstreams: [{ name: 'default', apiKey: 'sk-test-1234567890' }],
    });
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
    useEnv({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', AUTH_DISABLED: 'true' });
    expect(appConfig().corsOrigins).toEqual([]);

    useEnv({
      NODE_ENV: 'production',
      LLM_PROVIDER: 'mock',
      AUTH_DISABLED: 'true',
      CORS_ORIGINS: 'https://a.example',
    });
    expect(appConfig().corsOrigins).toEqual(['https://a.example']);
  });

  it.each(['', ' , '])('reads an API_KEYS of %p as no keys', (raw) => {
    useEnv({ API_KEYS: raw });

    expect(appConfig()).toMatchObject({ apiKeys: [], apiKeySecrets: [] });
  });

  it('reads REDIS_CLUSTER_NODES as hosts and ports', () => {
    useEnv({ REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001' });

    expect(redisConfig().clusterNodes).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
  });

  it('reads seconds as milliseconds and sizes as bytes', () => {
    useEnv({ OPENAI_TIMEOUT: '0.5', OPENAI_RETRY_BASE_DELAY: '0.25', CACHE_MAX_BYTES: '512kb' });

    expect(llmConfig()).toMatchObject({ timeoutMs: 500, retryBaseDelayMs: 250 });
    expect(cacheConfig().maxBytes).toBe(512 * 1024);
  });

  it('keeps API keys as SHA-256 digests with an id, in every form of entry', () => {
    const digestOf = (key: string) => createHash('sha256').update(key).digest('hex');
    useEnv({
      API_KEYS: [
        'key-one',
        digestOf('key-two').toUpperCase(),
        `sha256:${digestOf('key-three')}`,
        'team-a=key-four',
        `team-b=sha256:${digestOf('key-five')}`,
        'dGVzdA==',
      ].join(', '),
    });

    expect(
      appConfig().apiKeys.map(({ id, digest }) => ({ id, digest: digest.toString('hex') })),
    ).toEqual([
      { id: digestOf('key-one').slice(0, 16), digest: digestOf('key-one') },
      { id: digestOf('key-two').slice(0, 16), digest: digestOf('key-two') },
      { id: digestOf('key-three').slice(0, 16), digest: digestOf('key-three') },
      { id: 'team-a', digest: digestOf('key-four') },
      { id: 'team-b', digest: digestOf('key-five') },
      // Base64 padding is part of a key, not a name.
      { id: digestOf('dGVzdA==').slice(0, 16), digest: digestOf('dGVzdA==') },
    ]);
    expect(appConfig().apiKeySecrets).toContain('key-four');
  });
});

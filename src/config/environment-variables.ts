/**
 * Every environment variable the service reads, with its default and meaning.
 * The config namespaces read through this table, and the README's configuration
 * table, `.env.example` and the deployment files are checked against it.
 */
export interface EnvironmentVariable {
  readonly default?: string;
  readonly description: string;
}

export const ENVIRONMENT_VARIABLES = {
  NODE_ENV: { default: 'development', description: '`production`, `development` or `test`' },
  PORT: { default: '8000', description: 'HTTP port' },
  LOG_LEVEL: {
    default: 'info',
    description: 'pino level (fatal, error, warn, info, debug, trace)',
  },
  CORS_ORIGINS: {
    description:
      'comma list of allowed origins; default `*` unless production, where unset means none',
  },
  BODY_LIMIT: { default: '1mb', description: 'request size limit (bytes, or with kb/mb)' },
  TRUST_PROXY: {
    default: 'false',
    description:
      'only then is X-Forwarded-For believed for the client IP: the address the nearest proxy saw (one hop)',
  },
  API_KEYS: {
    description:
      'comma list of keys (or their SHA-256 hex) that may call /api/v1/*; unset: no auth',
  },
  SHUTDOWN_TIMEOUT: {
    default: '25',
    description: 'seconds in-flight requests and streams get to finish after SIGTERM',
  },
  LLM_PROVIDER: {
    description: '`openai` or `mock`; default `openai` when OPENAI_API_KEY is set, else `mock`',
  },
  OPENAI_API_KEY: { description: 'provider key; without it the built-in mock provider answers' },
  OPENAI_BASE_URL: {
    description: "any OpenAI-compatible server, including the /v1; default OpenAI's",
  },
  OPENAI_MODEL: { default: 'gpt-4o-mini', description: 'default model' },
  OPENAI_ALLOWED_MODELS: {
    description: 'comma list of models a request may pick; default: the default model',
  },
  OPENAI_MAX_TOKENS: { default: '1000', description: 'default max_tokens of a request' },
  OPENAI_TEMPERATURE: { default: '0.7', description: 'default temperature of a request' },
  OPENAI_TIMEOUT: { default: '60', description: 'seconds per provider attempt' },
  OPENAI_MAX_RETRIES: {
    default: '2',
    description: 'retries after the first attempt, on 429/5xx/timeouts/connection errors',
  },
  OPENAI_RETRY_BASE_DELAY: {
    default: '0.5',
    description: 'seconds; the backoff before retry n is random in [0, base × 2^n] (full jitter)',
  },
  MODEL_PRICING: {
    description:
      'JSON {"model": {"input": usd_per_1k, "output": usd_per_1k}} over the built-in table',
  },
  REDIS_URL: {
    description: 'shared cache, rate limits and conversations; unset: in-process memory',
  },
  REDIS_KEY_PREFIX: { default: 'llmchat:', description: 'namespace of every Redis key' },
  REDIS_CLUSTER_NODES: {
    description: 'comma list of host:port of a Redis Cluster, used instead of REDIS_URL',
  },
  RATE_LIMIT_REQUESTS: { default: '10', description: 'requests per window per client' },
  RATE_LIMIT_WINDOW: { default: '60', description: 'rate-limit window, seconds' },
  ENABLE_CACHE: { default: 'true', description: 'response cache on/off' },
  CACHE_TTL: { default: '3600', description: 'response cache lifetime, seconds' },
  CACHE_MAX_ENTRIES: {
    default: '10000',
    description: 'answers kept by the in-process cache tier (least recently used dropped first)',
  },
  CACHE_MAX_BYTES: { default: '64mb', description: 'size bound of the in-process cache tier' },
  CONVERSATION_MAX_MESSAGES: { default: '20', description: 'messages kept per conversation' },
  CONVERSATION_TTL: {
    default: '604800',
    description: 'seconds a conversation is kept after its last turn',
  },
  CONVERSATION_MAX_COUNT: {
    default: '10000',
    description: 'conversations kept by the in-process store (least recently used dropped first)',
  },
  CONVERSATION_MAX_BYTES: {
    default: '64mb',
    description: 'size bound of the in-process store (least recently used dropped first)',
  },
} as const satisfies Record<string, EnvironmentVariable>;

export type EnvironmentVariableName = keyof typeof ENVIRONMENT_VARIABLES;

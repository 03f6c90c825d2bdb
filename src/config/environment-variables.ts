import {
  CastToBoolean,
  CastToInteger,
  CastToJson,
  CastToList,
  CastToLowerCase,
  CastToNumber,
} from './env-cast.decorators';
import { Describe, descriptionsOf } from './env-description.decorator';
import {
  IfSet,
  IsByteSize,
  IsHostPortList,
  IsIntegerIn,
  IsKeyLimits,
  IsModelPricing,
  IsNumberIn,
  IsOneOf,
  IsSeconds,
  IsTrueOrFalse,
  IsUpstreamList,
  IsUrlWithProtocol,
  RequiredWhen,
} from './env-rule.decorators';

const NODE_ENVIRONMENTS = ['production', 'development', 'test'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LLM_PROVIDER_NAMES = ['openai', 'mock'] as const;
export type LlmProviderName = (typeof LLM_PROVIDER_NAMES)[number];

/** What one API key may spend, by its name (or digest id); a limit left out does not apply. */
export interface KeyLimits {
  requests_per_minute?: number;
  tokens_per_day?: number;
  usd_per_month?: number;
}

/** One OpenAI-compatible deployment; its key is read from the variable `api_key_env` names. */
export interface UpstreamEntry {
  name: string;
  base_url: string;
  api_key_env: string;
  /** The models it serves; absent: every model. */
  models?: string[];
  /** Its share of calls among the upstreams serving a model; default 1. */
  weight?: number;
}

export interface ModelPrice {
  /** USD per 1,000 prompt tokens. */
  input: number;
  /** USD per 1,000 completion tokens. */
  output: number;
}

function whyApiKeysAreRequired(env: EnvironmentVariables): string | undefined {
  return env.NODE_ENV === 'production' && !env.AUTH_DISABLED
    ? 'is required in production (set AUTH_DISABLED=true to run without API keys on purpose)'
    : undefined;
}

function whyProviderKeyIsRequired(env: EnvironmentVariables): string | undefined {
  if (env.LLM_UPSTREAMS !== undefined) return undefined;
  if (env.LLM_PROVIDER === 'openai') return 'is required when LLM_PROVIDER=openai';
  if (env.LLM_PROVIDER === undefined && env.NODE_ENV === 'production') {
    return 'is required in production (set LLM_PROVIDER=mock to run the mock provider on purpose)';
  }
  return undefined;
}

/**
 * Every environment variable the service reads, as validated by ConfigModule:
 * defaults are the field values, in the variable's own unit (seconds, sizes as written).
 */
export class EnvironmentVariables {
  @Describe('`production`, `development` or `test`')
  @CastToLowerCase()
  @IsOneOf(NODE_ENVIRONMENTS)
  NODE_ENV: (typeof NODE_ENVIRONMENTS)[number] = 'development';

  @Describe('HTTP port')
  @CastToInteger()
  @IsIntegerIn({ min: 0, max: 65535 })
  PORT = 8000;

  @Describe('pino level (fatal, error, warn, info, debug, trace)')
  @CastToLowerCase()
  @IsOneOf(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Describe('comma list of allowed origins; default `*` unless production, where unset means none')
  @CastToList()
  CORS_ORIGINS?: string[];

  @Describe('request size limit (bytes, or with kb/mb)')
  @IsByteSize()
  BODY_LIMIT = '1mb';

  @Describe(
    'only then is X-Forwarded-For believed for the client IP: the address the nearest proxy saw (one hop)',
  )
  @CastToBoolean()
  @IsTrueOrFalse()
  TRUST_PROXY = false;

  @Describe(
    'comma list of `key`, `sha256:<hex>`, `name=key` or `name=sha256:<hex>` that may call /api/v1/* and /v1/*; unset: no auth (refused in production unless AUTH_DISABLED=true)',
  )
  @CastToList()
  @RequiredWhen(whyApiKeysAreRequired)
  API_KEYS?: string[];

  @Describe('in production, run without API keys on purpose (logged as a warning at start)')
  @CastToBoolean()
  @IsTrueOrFalse()
  AUTH_DISABLED = false;

  @Describe('when set, `/metrics` needs `Authorization: Bearer <token>`; unset: `/metrics` open')
  METRICS_TOKEN?: string;

  @Describe(
    'JSON by key name: {"team-a": {"requests_per_minute": 60, "tokens_per_day": 200000, "usd_per_month": 50}}',
  )
  @CastToJson()
  @IfSet()
  @IsKeyLimits()
  KEY_LIMITS?: Record<string, KeyLimits>;

  @Describe('serve the chat page at /playground; default `true` unless production')
  @CastToBoolean()
  @IfSet()
  @IsTrueOrFalse()
  PLAYGROUND?: boolean;

  @Describe('seconds in-flight requests and streams get to finish after SIGTERM')
  @CastToNumber()
  @IsSeconds()
  SHUTDOWN_TIMEOUT = 25;

  @Describe('`openai` or `mock`; default `openai` when OPENAI_API_KEY is set, else `mock`')
  @CastToLowerCase()
  @IfSet()
  @IsOneOf(LLM_PROVIDER_NAMES)
  LLM_PROVIDER?: LlmProviderName;

  @Describe('provider key; without it the built-in mock provider answers')
  @RequiredWhen(whyProviderKeyIsRequired)
  OPENAI_API_KEY?: string;

  @Describe("any OpenAI-compatible server, including the /v1; default OpenAI's")
  @IfSet()
  @IsUrlWithProtocol(['http:', 'https:'])
  OPENAI_BASE_URL?: string;

  @Describe('default model')
  OPENAI_MODEL = 'gpt-4o-mini';

  @Describe('comma list of models a request may pick; default: the default model')
  @CastToList()
  OPENAI_ALLOWED_MODELS?: string[];

  @Describe('default max_tokens of a request')
  @CastToInteger()
  @IsIntegerIn({ min: 1, max: 4000 })
  OPENAI_MAX_TOKENS = 1000;

  @Describe('default temperature of a request')
  @CastToNumber()
  @IsNumberIn({ min: 0, max: 2 })
  OPENAI_TEMPERATURE = 0.7;

  @Describe('seconds per provider attempt')
  @CastToNumber()
  @IsSeconds()
  OPENAI_TIMEOUT = 60;

  @Describe('retries after the first attempt, on 429/5xx/timeouts/connection errors')
  @CastToInteger()
  @IsIntegerIn({ min: 0, max: 10 })
  OPENAI_MAX_RETRIES = 2;

  @Describe('seconds; the backoff before retry n is random in [0, base × 2^n] (full jitter)')
  @CastToNumber()
  @IsNumberIn({ min: 0 })
  OPENAI_RETRY_BASE_DELAY = 0.5;

  @Describe(
    "ordered comma list of models tried when the requested one fails with a retryable error after its retries (never after a stream's first content)",
  )
  @CastToList()
  LLM_FALLBACK_MODELS?: string[];

  @Describe(
    'JSON list `[{"name", "base_url", "api_key_env", "models": [...], "weight"}]` of OpenAI-compatible deployments, each key read from the variable `api_key_env` names; unset: one upstream, `default`, from OPENAI_BASE_URL/OPENAI_API_KEY',
  )
  @CastToJson()
  @IfSet()
  @IsUpstreamList()
  LLM_UPSTREAMS?: UpstreamEntry[];

  @Describe('consecutive retryable failures that open an upstream+model circuit')
  @CastToInteger()
  @IsIntegerIn({ min: 1 })
  CIRCUIT_FAILURES = 5;

  @Describe('seconds an open circuit is skipped before one probe call is let through')
  @CastToNumber()
  @IsSeconds()
  CIRCUIT_COOLDOWN = 30;

  @Describe('JSON {"model": {"input": usd_per_1k, "output": usd_per_1k}} over the built-in table')
  @CastToJson()
  @IfSet()
  @IsModelPricing()
  MODEL_PRICING?: Record<string, ModelPrice>;

  @Describe('shared cache, rate limits and conversations; unset: in-process memory')
  @IfSet()
  @IsUrlWithProtocol(['redis:', 'rediss:'])
  REDIS_URL?: string;

  @Describe(
    'a separate Redis for the response cache, run with an LRU eviction policy so the state Redis can run `noeviction`; unset: the cache shares REDIS_URL',
  )
  @IfSet()
  @IsUrlWithProtocol(['redis:', 'rediss:'])
  CACHE_REDIS_URL?: string;

  @Describe('namespace of every Redis key')
  REDIS_KEY_PREFIX = 'llmchat:';

  @Describe('comma list of host:port of a Redis Cluster, used instead of REDIS_URL')
  @CastToList()
  @IfSet()
  @IsHostPortList()
  REDIS_CLUSTER_NODES?: string[];

  @Describe('requests per window per client')
  @CastToInteger()
  @IsIntegerIn({ min: 1 })
  RATE_LIMIT_REQUESTS = 10;

  @Describe('rate-limit window, seconds')
  @CastToNumber()
  @IsSeconds()
  RATE_LIMIT_WINDOW = 60;

  @Describe('response cache on/off')
  @CastToBoolean()
  @IsTrueOrFalse()
  ENABLE_CACHE = true;

  @Describe('response cache lifetime, seconds')
  @CastToNumber()
  @IsSeconds()
  CACHE_TTL = 3600;

  @Describe('answers kept by the in-process cache tier (least recently used dropped first)')
  @CastToInteger()
  @IsIntegerIn({ min: 1 })
  CACHE_MAX_ENTRIES = 10_000;

  @Describe('size bound of the in-process cache tier')
  @IsByteSize()
  CACHE_MAX_BYTES = '64mb';

  @Describe('messages kept per conversation')
  @CastToInteger()
  @IsIntegerIn({ min: 2, max: 1000 })
  CONVERSATION_MAX_MESSAGES = 20;

  @Describe('seconds a conversation is kept after its last turn')
  @CastToInteger()
  @IsIntegerIn({ min: 1 })
  CONVERSATION_TTL = 604_800;

  @Describe('conversations kept by the in-process store (least recently used dropped first)')
  @CastToInteger()
  @IsIntegerIn({ min: 1 })
  CONVERSATION_MAX_COUNT = 10_000;

  @Describe('size bound of the in-process store (least recently used dropped first)')
  @IsByteSize()
  CONVERSATION_MAX_BYTES = '64mb';
}

export type EnvironmentVariableName = keyof EnvironmentVariables;

export interface EnvironmentVariable {
  /** As written in the README and .env.example; absent when unset has its own meaning. */
  readonly default?: string;
  readonly description: string;
}

const defaults = new EnvironmentVariables();

/** A default as an operator writes it; only scalars have one, a list or JSON variable starts unset. */
function documentedDefault(name: EnvironmentVariableName): string | undefined {
  const value: unknown = defaults[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

/** Every variable with its documented default and meaning, in declaration order. */
export const ENVIRONMENT_VARIABLES = Object.fromEntries(
  [...descriptionsOf(EnvironmentVariables)].map(([name, description]) => {
    const value = documentedDefault(name as EnvironmentVariableName);
    return [name, value === undefined ? { description } : { default: value, description }];
  }),
) as Readonly<Record<EnvironmentVariableName, EnvironmentVariable>>;

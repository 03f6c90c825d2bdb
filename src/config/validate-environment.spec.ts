import { ConfigValidationError } from './config-validation.error';
import type { EnvironmentVariableName } from './environment-variables';
import { validateEnvironment } from './validate-environment';

const sut = validateEnvironment;

/** Runs `validate` and returns the ConfigValidationError it throws, failing if it throws anything else. */
function configErrorOf(validate: () => unknown): ConfigValidationError {
  try {
    validate();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error('expected a ConfigValidationError, but the environment was accepted');
}

function expectRejected(
  name: EnvironmentVariableName,
  raw: string,
  env: Record<string, string> = { [name]: raw },
): ConfigValidationError {
  const error = configErrorOf(() => sut(env));
  expect(error.variables).toEqual([name]);
  expect(error.message.startsWith(`${name} `)).toBe(true);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('validateEnvironment', () => {
  it('ignores variables that are not the service’s', () => {
    expect(sut({ HOME: '/root', PORT_OF_CALL: 'x' })).toMatchObject({ PORT: 8000 });
  });

  describe('integers', () => {
    it.each([
      ['42', 42],
      ['0', 0],
      [' 8080 ', 8080],
    ])('reads %p as %p', (raw, expected) => {
      expect(sut({ PORT: raw }).PORT).toBe(expected);
    });

    it('applies the documented default when unset or empty', () => {
      expect(sut({}).PORT).toBe(8000);
      expect(sut({ PORT: '' }).PORT).toBe(8000);
      expect(sut({ PORT: '   ' }).PORT).toBe(8000);
    });

    it.each(['abc', '1.5', '12abc', '1e3', '0x10', '--1'])(
      'rejects %p, naming the variable and echoing the value',
      (raw) => {
        expect(expectRejected('PORT', raw).message).toBe(
          `PORT must be an integer from 0 to 65535 (got "${raw}")`,
        );
      },
    );

    it.each([
      ['PORT', '-1'],
      ['PORT', '65536'],
      ['RATE_LIMIT_REQUESTS', '0'],
      ['OPENAI_MAX_RETRIES', '-3'],
    ] as const)('rejects %s=%p outside its range', (name, raw) => {
      expectRejected(name, raw);
    });

    it('accepts both ends of its range', () => {
      expect(sut({ PORT: '0' }).PORT).toBe(0);
      expect(sut({ PORT: '65535' }).PORT).toBe(65535);
    });
  });

  describe('numbers', () => {
    it.each([
      ['0.7', 0.7],
      ['.5', 0.5],
      ['2', 2],
      ['2.', 2],
      ['0', 0],
    ])('reads %p as %p', (raw, expected) => {
      expect(sut({ OPENAI_TEMPERATURE: raw }).OPENAI_TEMPERATURE).toBe(expected);
    });

    it('applies the documented default when unset', () => {
      expect(sut({}).OPENAI_TEMPERATURE).toBe(0.7);
    });

    it.each(['abc', 'NaN', 'Infinity', '1e3', '0.5.1', '...'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('OPENAI_TEMPERATURE', raw);
      },
    );

    it.each(['-0.1', '2.1', '3'])('rejects %p outside 0..2', (raw) => {
      expect(expectRejected('OPENAI_TEMPERATURE', raw).message).toContain('from 0 to 2');
    });
  });

  describe('seconds', () => {
    it.each([
      ['60', 60],
      ['0.5', 0.5],
      ['0.001', 0.001],
    ])('reads %p', (raw, expected) => {
      expect(sut({ OPENAI_TIMEOUT: raw }).OPENAI_TIMEOUT).toBe(expected);
    });

    it('applies the documented default when unset', () => {
      expect(sut({}).OPENAI_TIMEOUT).toBe(60);
    });

    it.each(['0', '0.0', '-1', 'abc', '10s'])('rejects %p, naming the variable', (raw) => {
      expectRejected('OPENAI_TIMEOUT', raw);
    });
  });

  describe('booleans, cast explicitly', () => {
    it.each(['true', 'TRUE', '1', 'yes', 'on', ' True '])('reads %p as true', (raw) => {
      expect(sut({ TRUST_PROXY: raw }).TRUST_PROXY).toBe(true);
    });

    it.each(['false', 'False', '0', 'no', 'off'])('reads %p as false', (raw) => {
      expect(sut({ ENABLE_CACHE: raw }).ENABLE_CACHE).toBe(false);
    });

    it('applies the documented default when unset', () => {
      expect(sut({}).TRUST_PROXY).toBe(false);
    });

    it.each(['maybe', '2', 'enabled'])('rejects %p, naming the variable', (raw) => {
      expectRejected('TRUST_PROXY', raw);
    });
  });

  describe('lists', () => {
    it('splits on commas, trims, and drops empty items', () => {
      expect(
        sut({ CORS_ORIGINS: ' https://a.example, ,https://b.example,, ' }).CORS_ORIGINS,
      ).toEqual(['https://a.example', 'https://b.example']);
    });

    it('reads an unset or empty list as unset, and a list of blanks as empty', () => {
      expect(sut({}).CORS_ORIGINS).toBeUndefined();
      expect(sut({ CORS_ORIGINS: '' }).CORS_ORIGINS).toBeUndefined();
      expect(sut({ CORS_ORIGINS: ' , ' }).CORS_ORIGINS).toEqual([]);
    });

    it.each(['redis-a', 'redis-a:port', 'a:7000,b', 'a b:7000'])(
      'rejects REDIS_CLUSTER_NODES=%p, which is not a host:port list',
      (raw) => {
        expectRejected('REDIS_CLUSTER_NODES', raw);
      },
    );
  });

  describe('one of a set', () => {
    it.each([
      ['openai', 'openai'],
      ['OpenAI', 'openai'],
      [' mock ', 'mock'],
    ])('reads %p as %p', (raw, expected) => {
      expect(sut({ LLM_PROVIDER: raw, OPENAI_API_KEY: 'sk-test' }).LLM_PROVIDER).toBe(expected);
    });

    it('is undefined when unset and without a default', () => {
      expect(sut({}).LLM_PROVIDER).toBeUndefined();
    });

    it('applies the documented default when unset', () => {
      expect(sut({}).NODE_ENV).toBe('development');
    });

    it('rejects another value, naming the variable and the allowed values', () => {
      const error = expectRejected('LLM_PROVIDER', 'bogus');
      expect(error.message).toContain('openai, mock');
      expect(error.message).toContain('bogus');
    });
  });

  describe('URLs', () => {
    it.each(['http://127.0.0.1:11434/v1', 'https://api.example.com/v1'])('accepts %p', (raw) => {
      expect(sut({ OPENAI_BASE_URL: raw }).OPENAI_BASE_URL).toBe(raw);
    });

    it('accepts a rediss URL with credentials', () => {
      expect(sut({ REDIS_URL: 'rediss://:pw@cache:6380/0' }).REDIS_URL).toBe(
        'rediss://:pw@cache:6380/0',
      );
    });

    it('is undefined when unset', () => {
      expect(sut({}).OPENAI_BASE_URL).toBeUndefined();
    });

    it.each(['not a url', 'localhost:8080', 'ftp://files.example/v1'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('OPENAI_BASE_URL', raw);
      },
    );

    it('keeps a rejected URL, which may carry credentials, out of the message', () => {
      const error = expectRejected('REDIS_URL', 'http://user:hunter2@cache:6379');
      expect(error.message).not.toContain('hunter2');
    });
  });

  describe('byte sizes', () => {
    it.each(['1048576', '512b', '512kb', '1mb', '1MB', '2 mb', '1gb'])('accepts %p', (raw) => {
      expect(sut({ BODY_LIMIT: raw }).BODY_LIMIT).toBe(raw);
    });

    it('applies the documented default of 1mb when unset', () => {
      expect(sut({}).BODY_LIMIT).toBe('1mb');
    });

    it.each(['0', '0kb', '-1', '1.5mb', 'lots', '1tb', 'mb'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('BODY_LIMIT', raw);
      },
    );
  });

  describe('MODEL_PRICING', () => {
    it('parses JSON', () => {
      expect(sut({ MODEL_PRICING: '{"m": {"input": 1, "output": 2}}' }).MODEL_PRICING).toEqual({
        m: { input: 1, output: 2 },
      });
    });

    it('is undefined when unset', () => {
      expect(sut({}).MODEL_PRICING).toBeUndefined();
    });

    it.each(['not json', '"text"', 'null', '{"m": {"input": 1}}', '{"m": 3}'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('MODEL_PRICING', raw);
      },
    );
  });

  describe('the provider key', () => {
    it('is required in production unless LLM_PROVIDER says which provider', () => {
      const error = expectRejected('OPENAI_API_KEY', '', { NODE_ENV: 'Production', API_KEYS: 'k' });
      expect(error.message).toContain('required');
      expect(() =>
        sut({ NODE_ENV: 'production', LLM_PROVIDER: 'mock', API_KEYS: 'k' }),
      ).not.toThrow();
    });

    it('is required when LLM_PROVIDER=openai', () => {
      expect(expectRejected('OPENAI_API_KEY', '', { LLM_PROVIDER: 'openai' }).message).toBe(
        'OPENAI_API_KEY is required when LLM_PROVIDER=openai',
      );
    });

    it('is not asked for when LLM_PROVIDER itself is bad', () => {
      expectRejected('LLM_PROVIDER', 'bogus', {
        NODE_ENV: 'production',
        LLM_PROVIDER: 'bogus',
        API_KEYS: 'k',
      });
    });
  });
});

describe('LLM_UPSTREAMS', () => {
  const upstream = (overrides: object = {}) => ({
    name: 'primary',
    base_url: 'https://llm.internal.example/v1',
    api_key_env: 'PRIMARY_KEY',
    ...overrides,
  });
  const withUpstreams = (list: unknown, extra: Record<string, string> = {}) =>
    sut({ LLM_UPSTREAMS: JSON.stringify(list), PRIMARY_KEY: 'sk-primary', ...extra });

  it('accepts deployments whose key variables are set, and then needs no OPENAI_API_KEY', () => {
    const env = withUpstreams([upstream({ models: ['gpt-4o-mini'], weight: 3 })], {
      NODE_ENV: 'production',
      AUTH_DISABLED: 'true',
    });

    expect(env.LLM_UPSTREAMS).toEqual([upstream({ models: ['gpt-4o-mini'], weight: 3 })]);
  });

  it.each([
    ['not a list', { name: 'primary' }],
    ['an empty list', []],
    ['a name with a colon', [upstream({ name: 'pri:mary' })]],
    ['two upstreams of one name', [upstream(), upstream()]],
    ['a base_url that is not http(s)', [upstream({ base_url: 'ftp://x' })]],
    ['a weight of 0', [upstream({ weight: 0 })]],
    ['an empty models list', [upstream({ models: [] })]],
    ['a key in the JSON', [upstream({ api_key: 'sk-inline' })]],
  ])('refuses %s', (_, list) => {
    const error = configErrorOf(() => withUpstreams(list));

    expect(error.variables).toEqual(['LLM_UPSTREAMS']);
  });

  it('names a key variable that is not set, never a value', () => {
    const error = configErrorOf(() =>
      sut({ LLM_UPSTREAMS: JSON.stringify([upstream({ api_key_env: 'MISSING_KEY' })]) }),
    );

    expect(error.message).toBe(
      'LLM_UPSTREAMS names key variables that are not set: MISSING_KEY (upstream primary)',
    );
  });

  it('names a model a request may ask for, or fall back to, that no upstream serves', () => {
    const error = configErrorOf(() =>
      withUpstreams([upstream({ models: ['gpt-4o-mini'] })], { LLM_FALLBACK_MODELS: 'gpt-4o' }),
    );

    expect(error.message).toBe('LLM_UPSTREAMS serves none of these models: gpt-4o');
  });
});

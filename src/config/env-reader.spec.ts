import { ConfigValidationError, EnvReader } from './env-reader';
import type { EnvironmentVariableName } from './environment-variables';

const readerOf = (env: Record<string, string>) => new EnvReader(env);

/** Runs `read` and returns the ConfigValidationError it throws, failing if it throws anything else. */
function configErrorOf(read: () => unknown): ConfigValidationError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error('expected a ConfigValidationError, but the read succeeded');
}

function expectRejected(name: EnvironmentVariableName, read: () => unknown): ConfigValidationError {
  const error = configErrorOf(read);
  expect(error.variable).toBe(name);
  expect(error.message.startsWith(`${name} `)).toBe(true);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('EnvReader', () => {
  describe('integer', () => {
    it.each([
      ['42', 42],
      ['0', 0],
      [' 8080 ', 8080],
      ['-3', -3],
    ])('reads %p as %p', (raw, expected) => {
      expect(readerOf({ OPENAI_MAX_RETRIES: raw }).integer('OPENAI_MAX_RETRIES')).toBe(expected);
    });

    it('applies the documented default when unset or empty', () => {
      expect(readerOf({}).integer('PORT')).toBe(8000);
      expect(readerOf({ PORT: '' }).integer('PORT')).toBe(8000);
      expect(readerOf({ PORT: '   ' }).integer('PORT')).toBe(8000);
    });

    it.each(['abc', '1.5', '12abc', '1e3', '0x10', '--1'])(
      'rejects %p, naming the variable',
      (raw) => {
        const error = expectRejected('PORT', () => readerOf({ PORT: raw }).integer('PORT'));
        expect(error.message).toContain(raw);
      },
    );

    it.each([
      ['-1', { min: 0, max: 65535 }],
      ['65536', { min: 0, max: 65535 }],
      ['0', { min: 1 }],
    ])('rejects %p outside %p', (raw, range) => {
      expectRejected('PORT', () => readerOf({ PORT: raw }).integer('PORT', range));
    });

    it('accepts both ends of its range', () => {
      expect(readerOf({ PORT: '0' }).integer('PORT', { min: 0, max: 65535 })).toBe(0);
      expect(readerOf({ PORT: '65535' }).integer('PORT', { min: 0, max: 65535 })).toBe(65535);
    });

    it('requires a variable that has no default', () => {
      const error = expectRejected('REDIS_URL', () => readerOf({}).integer('REDIS_URL'));
      expect(error.message).toContain('required');
    });
  });

  describe('number', () => {
    it.each([
      ['0.7', 0.7],
      ['.5', 0.5],
      ['2', 2],
      ['2.', 2],
      ['0', 0],
    ])('reads %p as %p', (raw, expected) => {
      expect(readerOf({ OPENAI_TEMPERATURE: raw }).number('OPENAI_TEMPERATURE')).toBe(expected);
    });

    it('applies the documented default when unset', () => {
      expect(readerOf({}).number('OPENAI_TEMPERATURE')).toBe(0.7);
    });

    it.each(['abc', 'NaN', 'Infinity', '1e3', '0.5.1', '...'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('OPENAI_TEMPERATURE', () =>
          readerOf({ OPENAI_TEMPERATURE: raw }).number('OPENAI_TEMPERATURE'),
        );
      },
    );

    it.each(['-0.1', '2.1', '3'])('rejects %p outside 0..2', (raw) => {
      expectRejected('OPENAI_TEMPERATURE', () =>
        readerOf({ OPENAI_TEMPERATURE: raw }).number('OPENAI_TEMPERATURE', { min: 0, max: 2 }),
      );
    });
  });

  describe('seconds', () => {
    it.each([
      ['60', 60_000],
      ['0.5', 500],
      ['0.001', 1],
      ['2.5', 2_500],
    ])('reads %p seconds as %p ms', (raw, expected) => {
      expect(readerOf({ OPENAI_TIMEOUT: raw }).seconds('OPENAI_TIMEOUT')).toBe(expected);
    });

    it('applies the documented default when unset', () => {
      expect(readerOf({}).seconds('OPENAI_TIMEOUT')).toBe(60_000);
    });

    it.each(['0', '0.0', '-1', 'abc', '10s'])('rejects %p, naming the variable', (raw) => {
      expectRejected('OPENAI_TIMEOUT', () =>
        readerOf({ OPENAI_TIMEOUT: raw }).seconds('OPENAI_TIMEOUT'),
      );
    });
  });

  describe('boolean', () => {
    it.each(['true', 'TRUE', '1', 'yes', 'on', ' True '])('reads %p as true', (raw) => {
      expect(readerOf({ TRUST_PROXY: raw }).boolean('TRUST_PROXY')).toBe(true);
    });

    it.each(['false', 'False', '0', 'no', 'off'])('reads %p as false', (raw) => {
      expect(readerOf({ TRUST_PROXY: raw }).boolean('TRUST_PROXY')).toBe(false);
    });

    it('applies the documented default when unset', () => {
      expect(readerOf({}).boolean('TRUST_PROXY')).toBe(false);
    });

    it.each(['maybe', '2', 'enabled'])('rejects %p, naming the variable', (raw) => {
      expectRejected('TRUST_PROXY', () => readerOf({ TRUST_PROXY: raw }).boolean('TRUST_PROXY'));
    });
  });

  describe('list', () => {
    it('splits on commas, trims, and drops empty items', () => {
      expect(
        readerOf({ CORS_ORIGINS: ' https://a.example, ,https://b.example,, ' }).list(
          'CORS_ORIGINS',
        ),
      ).toEqual(['https://a.example', 'https://b.example']);
    });

    it('reads an unset or empty list as empty', () => {
      expect(readerOf({}).list('CORS_ORIGINS')).toEqual([]);
      expect(readerOf({ CORS_ORIGINS: '' }).list('CORS_ORIGINS')).toEqual([]);
      expect(readerOf({ CORS_ORIGINS: ' , ' }).list('CORS_ORIGINS')).toEqual([]);
    });
  });

  describe('oneOf', () => {
    const PROVIDERS = ['openai', 'mock'] as const;

    it.each([
      ['openai', 'openai'],
      ['OpenAI', 'openai'],
      [' mock ', 'mock'],
    ])('reads %p as %p', (raw, expected) => {
      expect(readerOf({ LLM_PROVIDER: raw }).oneOf('LLM_PROVIDER', PROVIDERS)).toBe(expected);
    });

    it('is undefined when unset and without a default', () => {
      expect(readerOf({}).oneOf('LLM_PROVIDER', PROVIDERS)).toBeUndefined();
    });

    it('applies the documented default when unset', () => {
      expect(readerOf({}).oneOf('NODE_ENV', ['production', 'development', 'test'])).toBe(
        'development',
      );
    });

    it('rejects another value, naming the variable and the allowed values', () => {
      const error = expectRejected('LLM_PROVIDER', () =>
        readerOf({ LLM_PROVIDER: 'bogus' }).oneOf('LLM_PROVIDER', PROVIDERS),
      );
      expect(error.message).toContain('openai, mock');
      expect(error.message).toContain('bogus');
    });
  });

  describe('url', () => {
    const HTTP = ['http:', 'https:'];

    it.each(['http://127.0.0.1:11434/v1', 'https://api.example.com/v1'])('accepts %p', (raw) => {
      expect(readerOf({ OPENAI_BASE_URL: raw }).url('OPENAI_BASE_URL', HTTP)).toBe(raw);
    });

    it('is undefined when unset', () => {
      expect(readerOf({}).url('OPENAI_BASE_URL', HTTP)).toBeUndefined();
    });

    it.each(['not a url', 'localhost:8080', 'ftp://files.example/v1'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('OPENAI_BASE_URL', () =>
          readerOf({ OPENAI_BASE_URL: raw }).url('OPENAI_BASE_URL', HTTP),
        );
      },
    );

    it('keeps a rejected URL, which may carry credentials, out of the message', () => {
      const error = expectRejected('REDIS_URL', () =>
        readerOf({ REDIS_URL: 'http://user:hunter2@cache:6379' }).url('REDIS_URL', ['redis:']),
      );
      expect(error.message).not.toContain('hunter2');
    });
  });

  describe('bytes', () => {
    it.each([
      ['1048576', 1_048_576],
      ['512b', 512],
      ['512kb', 524_288],
      ['1mb', 1_048_576],
      ['1MB', 1_048_576],
      ['2 mb', 2_097_152],
      ['1gb', 1_073_741_824],
    ])('reads %p as %p bytes', (raw, expected) => {
      expect(readerOf({ BODY_LIMIT: raw }).bytes('BODY_LIMIT')).toBe(expected);
    });

    it('applies the documented default of 1 MiB when unset', () => {
      expect(readerOf({}).bytes('BODY_LIMIT')).toBe(1_048_576);
    });

    it.each(['0', '0kb', '-1', '1.5mb', 'lots', '1tb', 'mb'])(
      'rejects %p, naming the variable',
      (raw) => {
        expectRejected('BODY_LIMIT', () => readerOf({ BODY_LIMIT: raw }).bytes('BODY_LIMIT'));
      },
    );
  });

  describe('json', () => {
    it('parses JSON', () => {
      expect(
        readerOf({ MODEL_PRICING: '{"m": {"input": 1, "output": 2}}' }).json('MODEL_PRICING'),
      ).toEqual({
        m: { input: 1, output: 2 },
      });
    });

    it('is undefined when unset', () => {
      expect(readerOf({}).json('MODEL_PRICING')).toBeUndefined();
    });

    it('rejects text that is not JSON, naming the variable', () => {
      expectRejected('MODEL_PRICING', () =>
        readerOf({ MODEL_PRICING: 'not json' }).json('MODEL_PRICING'),
      );
    });
  });
});

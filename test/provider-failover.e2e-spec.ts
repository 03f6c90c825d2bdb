import request from 'supertest';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer, type FakeReply } from './support/fake-openai.server';
import { parseMetrics, valueOf } from './support/prometheus';
import { RedisTestServer } from './support/redis-server';
import { parseSse } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

const UNAVAILABLE: FakeReply = { kind: 'error', status: 503 };
const PRICES = { 'gpt-4o-mini': { input: 0.1, output: 0.2 }, 'gpt-4o': { input: 1, output: 2 } };

/** Two deployments, each with its own key variable; `primary` nearly always comes first. */
function upstreamsEnv(primary: FakeOpenAiServer, backup: FakeOpenAiServer) {
  return {
    PRIMARY_KEY: 'sk-primary-upstream-key',
    BACKUP_KEY: 'sk-backup-upstream-key',
    LLM_UPSTREAMS: JSON.stringify([
      { name: 'primary', base_url: primary.baseUrl, api_key_env: 'PRIMARY_KEY', weight: 1e6 },
      { name: 'backup', base_url: backup.baseUrl, api_key_env: 'BACKUP_KEY', weight: 1e-6 },
    ]),
  };
}

async function metricsOf(app: TestApp) {
  return parseMetrics((await request(app.url).get('/metrics')).text);
}

describe('Provider failover', () => {
  let redis: RedisTestServer;
  let primary: FakeOpenAiServer;
  let backup: FakeOpenAiServer;

  beforeAll(async () => {
    [redis, primary, backup] = await Promise.all([
      RedisTestServer.start(),
      FakeOpenAiServer.start(),
      FakeOpenAiServer.start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([redis.stop(), primary.close(), backup.close()]);
  });
  beforeEach(async () => {
    primary.reset();
    backup.reset();
    await redis.cli('FLUSHALL');
  });

  describe('to a fallback model (one upstream, LLM_FALLBACK_MODELS=gpt-4o)', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp({
        OPENAI_API_KEY: 'sk-default-upstream-key',
        OPENAI_BASE_URL: primary.baseUrl,
        OPENAI_MODEL: 'gpt-4o-mini',
        OPENAI_MAX_RETRIES: '1',
        LLM_FALLBACK_MODELS: 'gpt-4o',
        MODEL_PRICING: JSON.stringify(PRICES),
        REDIS_URL: redis.url,
      });
    });
    afterAll(() => sut.close());

    const chat = (body: object) => request(sut.url).post('/api/v1/chat').send(body);

    it('answers a 503 of the requested model, after its retries, with the fallback, priced as the fallback', async () => {
      primary.enqueue(UNAVAILABLE, UNAVAILABLE);
      primary.setDefault({
        kind: 'reply',
        content: 'from the fallback',
        usage: { prompt_tokens: 1000, completion_tokens: 500 },
      });

      const res = await chat({ message: 'hello' });

      expect(res.status).toBe(200);
      expect(primary.requests.map(({ body }) => body.model)).toEqual([
        'gpt-4o-mini',
        'gpt-4o-mini',
        'gpt-4o',
      ]);
      expect(res.body).toMatchObject({
        message: 'from the fallback',
        model: 'gpt-4o',
        cost_estimate: 1 * 1 + 0.5 * 2,
      });
      expect(res.headers['x-llm-upstream']).toBe('default');
      const metrics = await metricsOf(sut);
      expect(
        valueOf(metrics, 'llm_fallbacks_total', { from_model: 'gpt-4o-mini', to_model: 'gpt-4o' }),
      ).toBe(1);
      expect(valueOf(metrics, 'llm_cost_usd_total', { model: 'gpt-4o' })).toBe(2);
    });

    it.each([
      ['a 400', { kind: 'error', status: 400 }, 502, 'upstream_error'],
      ['a wrong key (401)', { kind: 'error', status: 401 }, 502, 'upstream_error'],
      [
        'context_length_exceeded',
        {
          kind: 'error',
          status: 400,
          body: {
            error: {
              message: 'too long',
              type: 'invalid_request_error',
              code: 'context_length_exceeded',
            },
          },
        },
        400,
        'context_length_exceeded',
      ],
    ] as [string, FakeReply, number, string][])(
      'never falls back after %s',
      async (_, reply, status, code) => {
        primary.enqueue(reply);

        const res = await chat({ message: 'refused' });

        expectError(res, status, code);
        expect(primary.callCount).toBe(1);
      },
    );

    it('falls back when a stream fails before its first content', async () => {
      primary.enqueue(
        { kind: 'reply', content: 'never sent', failAfterChunks: 0 },
        { kind: 'reply', content: 'never sent either', failAfterChunks: 0 },
      );

      const res = await chat({ message: 'stream me', stream: true });

      expect(res.status).toBe(200);
      expect(res.headers['x-llm-upstream']).toBe('default');
      const events = parseSse(res.text);
      expect(events.map((event) => event.delta).join('')).toBe('echo: stream me');
      expect(events.at(-1)).toMatchObject({ finished: true, model: 'gpt-4o' });
      expect(primary.requests.map(({ body }) => body.model)).toEqual([
        'gpt-4o-mini',
        'gpt-4o-mini',
        'gpt-4o',
      ]);
    });

    it('never falls back once a stream has sent content: it ends with the error event', async () => {
      primary.enqueue({
        kind: 'reply',
        content: 'cut short here',
        chunks: ['cut ', 'short'],
        closeAfterChunks: 1,
      });

      const res = await chat({ message: 'stream me', stream: true });

      const events = parseSse(res.text);
      expect(events[0]).toMatchObject({ delta: 'cut ', finished: false });
      expect(events.at(-1)).toMatchObject({
        finished: true,
        error: { error: 'upstream_unavailable' },
      });
      expect(primary.requests.map(({ body }) => body.model)).toEqual(['gpt-4o-mini']);
    });

    it('falls back on the OpenAI-compatible route too, saying which model answered', async () => {
      primary.enqueue(UNAVAILABLE, UNAVAILABLE);

      const res = await request(sut.url)
        .post('/v1/chat/completions')
        .send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

      expect(res.status).toBe(200);
      expect(res.body.model).toBe('gpt-4o');
      expect(res.headers['x-llm-upstream']).toBe('default');
    });

    it('says how long it waited on providers: X-Upstream-Time, at most X-Process-Time, and the overhead by route', async () => {
      primary.enqueue({ kind: 'reply', content: 'slow', delayMs: 60 });
      const route = { route: '/api/v1/chat' };
      const overhead = async () => {
        const metrics = await metricsOf(sut);
        return {
          count: valueOf(metrics, 'llm_gateway_overhead_seconds_count', route),
          under50ms: valueOf(metrics, 'llm_gateway_overhead_seconds_bucket', {
            ...route,
            le: '0.05',
          }),
        };
      };
      const before = await overhead();

      const res = await chat({ message: 'timed' });

      const upstreamTime = Number(res.headers['x-upstream-time']);
      expect(upstreamTime).toBeGreaterThanOrEqual(0.06);
      expect(upstreamTime).toBeLessThanOrEqual(Number(res.headers['x-process-time']));
      // The provider's 60 ms are not the service's overhead.
      expect(await overhead()).toEqual({
        count: before.count + 1,
        under50ms: before.under50ms + 1,
      });
    });
  });

  describe('across upstreams, with a breaker shared by two instances through Redis', () => {
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      const env = {
        ...upstreamsEnv(primary, backup),
        OPENAI_MODEL: 'gpt-4o-mini',
        OPENAI_MAX_RETRIES: '0',
        CIRCUIT_FAILURES: '2',
        CIRCUIT_COOLDOWN: '1',
        REDIS_URL: redis.url,
      };
      [first, second] = await Promise.all([startTestApp(env), startTestApp(env)]);
    });
    afterAll(async () => {
      await Promise.all([first.close(), second.close()]);
    });

    const chat = (app: TestApp, message: string) =>
      request(app.url).post('/api/v1/chat').send({ message });
    const circuitOpen = async (app: TestApp) =>
      valueOf(await metricsOf(app), 'llm_circuit_open', {
        upstream: 'primary',
        model: 'gpt-4o-mini',
      });
    const ready = async (app: TestApp) => (await request(app.url).get('/health/ready')).status;

    it('skips a failing upstream for the healthy one, opens its circuit, probes after the cooldown and closes', async () => {
      primary.setDefault(UNAVAILABLE);

      for (const message of ['one', 'two']) {
        const res = await chat(first, message);
        expect(res.status).toBe(200);
        expect(res.headers['x-llm-upstream']).toBe('backup');
      }
      expect(primary.callCount).toBe(2);
      expect(await circuitOpen(first)).toBe(1);

      const skipped = await chat(first, 'three');
      expect(skipped.headers['x-llm-upstream']).toBe('backup');
      expect(primary.callCount).toBe(2);
      expect(await ready(first)).toBe(200);

      // The other instance learns of the open circuit through Redis and skips it too.
      await waitUntil('the second instance to see the open circuit', async () =>
        (await circuitOpen(second)) === 1 ? true : undefined,
      );
      const elsewhere = await chat(second, 'four');
      expect(elsewhere.headers['x-llm-upstream']).toBe('backup');
      expect(primary.callCount).toBe(2);

      primary.setDefault({ kind: 'echo' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const probe = await chat(first, 'five');
      expect(probe.headers['x-llm-upstream']).toBe('primary');
      expect(primary.callCount).toBe(3);
      expect(await circuitOpen(first)).toBe(0);
      await waitUntil('the second instance to see the circuit closed', async () =>
        (await circuitOpen(second)) === 0 ? true : undefined,
      );
    });

    it('reopens the circuit when the probe fails', async () => {
      primary.setDefault(UNAVAILABLE);
      await chat(first, 'one');
      await chat(first, 'two');
      expect(await circuitOpen(first)).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 1100));
      const probe = await chat(first, 'probe');
      expect(probe.headers['x-llm-upstream']).toBe('backup');
      expect(primary.callCount).toBe(3);
      await chat(first, 'after the probe');
      expect(primary.callCount).toBe(3);
      expect(await circuitOpen(first)).toBe(1);
    });

    it("answers 503 upstream_unavailable with the shortest cooldown's Retry-After when every circuit is open, while staying ready", async () => {
      primary.setDefault(UNAVAILABLE);
      backup.setDefault(UNAVAILABLE);
      for (const message of ['one', 'two']) {
        const failed = await chat(first, message);
        expectError(failed, 503, 'upstream_unavailable');
        expect(failed.headers['x-llm-upstream']).toBe('backup');
        expect(Number(failed.headers['x-upstream-time'])).toBeGreaterThan(0);
      }
      const calls = primary.callCount + backup.callCount;

      const res = await chat(first, 'nothing left');

      expectError(res, 503, 'upstream_unavailable', { retry_after: 1 });
      expect(res.headers['x-llm-upstream']).toBeUndefined();
      expect(res.headers['retry-after']).toBe('1');
      expect(primary.callCount + backup.callCount).toBe(calls);
      expect(await ready(first)).toBe(200);
      expect(await ready(second)).toBe(200);
    });
  });

  describe('while Redis is down', () => {
    let outage: RedisTestServer;
    let sut: TestApp;

    beforeAll(async () => {
      outage = await RedisTestServer.start();
      sut = await startTestApp({
        ...upstreamsEnv(primary, backup),
        OPENAI_MODEL: 'gpt-4o-mini',
        OPENAI_MAX_RETRIES: '0',
        CIRCUIT_FAILURES: '2',
        CIRCUIT_COOLDOWN: '30',
        REDIS_URL: outage.url,
      });
      await outage.stop();
    });
    afterAll(() => sut.close());

    it('keeps the breaker in this process: the failing upstream is still skipped, and no request waits on Redis', async () => {
      primary.setDefault(UNAVAILABLE);

      for (const message of ['one', 'two', 'three']) {
        const started = Date.now();
        const res = await request(sut.url).post('/api/v1/chat').send({ message });
        expect(res.status).toBe(200);
        expect(res.headers['x-llm-upstream']).toBe('backup');
        expect(Date.now() - started).toBeLessThan(500);
      }
      expect(primary.callCount).toBe(2);
      expect(
        valueOf(await metricsOf(sut), 'llm_circuit_open', {
          upstream: 'primary',
          model: 'gpt-4o-mini',
        }),
      ).toBe(1);
    });
  });
});

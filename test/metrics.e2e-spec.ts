import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { EventReader } from './support/event-reader';
import { FakeOpenAiServer, type FakeCompletionReply } from './support/fake-openai.server';
import { parseMetrics, samplesOf, valueOf, type ParsedMetrics } from './support/prometheus';
import { postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

const CONTRACT_METRICS = [
  'llm_request_duration_seconds',
  'llm_time_to_first_token_seconds',
  'http_requests_total',
  'http_request_duration_seconds',
  'openai_api_calls_total',
  'openai_tokens_used_total',
  'llm_cost_usd_total',
  'cache_requests_total',
  'rate_limited_total',
  'sse_streams_active',
  'llm_fallbacks_total',
  'llm_circuit_open',
  'llm_gateway_overhead_seconds',
];
const DEFAULT_PROCESS_METRICS = ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes'];

/** gpt-4o-mini's price, USD per 1K tokens. */
const PRICE = { input: 0.00015, output: 0.0006 };

const CHAT_OK = { method: 'POST', route: '/api/v1/chat', status: '200' };

async function scrape(app: TestApp): Promise<ParsedMetrics> {
  const res = await request(app.url).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain;/);
  expect(res.headers['content-type']).toContain('version=0.0.4');
  return parseMetrics(res.text);
}

/**
 * Scrapes until `name{labels}` reaches `expected`: a request's metrics are recorded
 * when its response closes, which may be a moment after the client has read it.
 */
async function scrapeWhen(
  app: TestApp,
  name: string,
  labels: Record<string, string>,
  expected: number,
): Promise<ParsedMetrics> {
  return waitUntil(`${name} to reach ${expected}`, async () => {
    const metrics = await scrape(app);
    return valueOf(metrics, name, labels) >= expected ? metrics : undefined;
  });
}

const seriesKeys = (metrics: ParsedMetrics, name: string): string[] =>
  samplesOf(metrics, name).map((sample) => JSON.stringify(sample.labels));

const reply = (usage: { prompt_tokens: number; completion_tokens: number }) =>
  ({ kind: 'reply', content: 'An answer in parts', usage }) satisfies FakeCompletionReply;

describe('GET /metrics', () => {
  let provider: FakeOpenAiServer;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
  });
  afterAll(() => provider.close());
  beforeEach(() => provider.reset());

  describe('with the cache off', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp({ ...providerEnv(provider.baseUrl), ENABLE_CACHE: 'false' });
    });
    afterAll(() => sut.close());

    const chat = (message = 'hello') =>
      request(sut.url).post('/api/v1/chat').send({ message }).expect(200);

    it('is Prometheus text with every contract metric and the default process metrics', async () => {
      await chat();

      const metrics = await scrapeWhen(sut, 'http_requests_total', CHAT_OK, 1);

      for (const name of CONTRACT_METRICS) expect(metrics.types.has(name)).toBe(true);
      expect(metrics.types.get('http_requests_total')).toBe('counter');
      expect(metrics.types.get('http_request_duration_seconds')).toBe('histogram');
      expect(metrics.types.get('sse_streams_active')).toBe('gauge');
      for (const name of DEFAULT_PROCESS_METRICS) {
        expect(samplesOf(metrics, name)).toHaveLength(1);
      }
      expect(samplesOf(metrics, 'http_requests_total', CHAT_OK)).toHaveLength(1);
      expect(samplesOf(metrics, 'http_request_duration_seconds_bucket', CHAT_OK)).not.toEqual([]);
    });

    it('labels a conversation read with the route pattern, never the raw path', async () => {
      const conversationId = (await chat()).body.conversation_id as string;
      const unknownId = randomUUID();
      await request(sut.url).get(`/api/v1/conversations/${conversationId}`).expect(200);
      await request(sut.url).get(`/api/v1/conversations/${unknownId}`).expect(404);

      const pattern = '/api/v1/conversations/:id';
      const metrics = await scrapeWhen(sut, 'http_requests_total', { route: pattern }, 2);

      expect(valueOf(metrics, 'http_requests_total', { route: pattern, status: '200' })).toBe(1);
      expect(valueOf(metrics, 'http_requests_total', { route: pattern, status: '404' })).toBe(1);
      const routes = samplesOf(metrics, 'http_requests_total').map((s) => s.labels.route);
      expect(routes.filter((route) => route?.includes(conversationId))).toEqual([]);
      expect(routes.filter((route) => route?.includes(unknownId))).toEqual([]);
    });

    it('labels a chat refused for its body (415, 400, 413) with the route it was sent to', async () => {
      const post = () => request(sut.url).post('/api/v1/chat');
      await post().set('content-type', 'text/plain').send('hello').expect(415);
      await post().set('content-type', 'application/json').send('{"message":').expect(400);
      await post()
        .send({ message: 'x'.repeat(1024 * 1024) })
        .expect(413);

      const refused = (status: string) => ({ method: 'POST', status });
      const metrics = await scrapeWhen(sut, 'http_requests_total', refused('413'), 1);

      for (const status of ['415', '400', '413']) {
        expect(samplesOf(metrics, 'http_requests_total', refused(status))).toEqual([
          {
            name: 'http_requests_total',
            labels: { ...refused(status), route: '/api/v1/chat' },
            value: 1,
          },
        ]);
      }
    });

    it('adds one route="unmatched" series per method and status for 200 random unknown paths', async () => {
      await scrape(sut); // so the scrape's own series exists before counting
      const before = await scrape(sut);
      const sent = Array.from({ length: 200 }, (_, i) => {
        const path = [`/nope-${randomUUID()}`, `/api/v1/${randomUUID()}`, `/health/${i}/x`][i % 3]!;
        return i % 2 === 0
          ? request(sut.url).get(path).expect(404)
          : request(sut.url).post(path).send({}).expect(404);
      });
      await Promise.all(sent);

      const unmatched = { route: 'unmatched', status: '404' };
      const after = await scrapeWhen(
        sut,
        'http_requests_total',
        unmatched,
        valueOf(before, 'http_requests_total', unmatched) + 200,
      );

      const added = seriesKeys(after, 'http_requests_total').filter(
        (key) => !seriesKeys(before, 'http_requests_total').includes(key),
      );
      expect(added.map((key) => JSON.parse(key) as unknown)).toEqual(
        expect.arrayContaining([
          { method: 'GET', route: 'unmatched', status: '404' },
          { method: 'POST', route: 'unmatched', status: '404' },
        ]),
      );
      expect(added).toHaveLength(2);
      expect(valueOf(after, 'http_requests_total', unmatched)).toBe(
        valueOf(before, 'http_requests_total', unmatched) + 200,
      );
    });

    it('moves the request counter and the duration histogram by exactly the chats sent', async () => {
      const before = await scrape(sut);
      const chats = 7;

      for (let i = 0; i < chats; i++) await chat(`question ${i}`);

      const expected = valueOf(before, 'http_requests_total', CHAT_OK) + chats;
      const after = await scrapeWhen(sut, 'http_requests_total', CHAT_OK, expected);
      expect(valueOf(after, 'http_requests_total', CHAT_OK)).toBe(expected);
      expect(valueOf(after, 'http_request_duration_seconds_count', CHAT_OK)).toBe(
        valueOf(before, 'http_request_duration_seconds_count', CHAT_OK) + chats,
      );
    });

    it("counts exactly the provider's token usage and its price, for answers and streams", async () => {
      const before = await scrape(sut);
      provider.enqueue(reply({ prompt_tokens: 11, completion_tokens: 7 }));
      provider.enqueue(reply({ prompt_tokens: 13, completion_tokens: 5 }));

      await chat('first');
      const streamed = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'second' });
      expect(streamed.status).toBe(200);
      await streamed.text();

      const tokens = (type: string) => ({ model: 'gpt-4o-mini', type });
      const after = await scrapeWhen(
        sut,
        'openai_tokens_used_total',
        tokens('prompt'),
        valueOf(before, 'openai_tokens_used_total', tokens('prompt')) + 24,
      );
      const delta = (name: string, labels: Record<string, string>) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      expect(delta('openai_tokens_used_total', tokens('prompt'))).toBe(24);
      expect(delta('openai_tokens_used_total', tokens('completion'))).toBe(12);
      expect(delta('llm_cost_usd_total', { model: 'gpt-4o-mini' })).toBeCloseTo(
        (24 * PRICE.input + 12 * PRICE.output) / 1000,
        12,
      );
    });

    it('shows an open stream in sse_streams_active until it ends', async () => {
      provider.enqueue({
        ...reply({ prompt_tokens: 3, completion_tokens: 3 }),
        holdAfterChunks: 1,
      });
      const res = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'hold on' });
      const events = EventReader.of(res);
      expect(await events.next()).toMatchObject({ finished: false });

      expect(valueOf(await scrape(sut), 'sse_streams_active')).toBe(1);

      provider.release();
      expect((await events.rest()).at(-1)).toMatchObject({ finished: true });
      await waitUntil('no stream open', async () =>
        valueOf(await scrape(sut), 'sse_streams_active') === 0 ? true : undefined,
      );
    });

    it('counts every provider attempt by model and outcome, each retry on its own', async () => {
      const before = await scrape(sut);
      provider.enqueue(
        { kind: 'error', status: 500 },
        reply({ prompt_tokens: 1, completion_tokens: 1 }),
      );
      await chat('retried once');
      provider.enqueue({ kind: 'error', status: 401 });
      await request(sut.url).post('/api/v1/chat').send({ message: 'refused' }).expect(502);

      const calls = (status: string) => ({ model: 'gpt-4o-mini', status });
      const after = await scrapeWhen(
        sut,
        'openai_api_calls_total',
        calls('upstream_error'),
        valueOf(before, 'openai_api_calls_total', calls('upstream_error')) + 1,
      );
      const delta = (status: string) =>
        valueOf(after, 'openai_api_calls_total', calls(status)) -
        valueOf(before, 'openai_api_calls_total', calls(status));
      expect([delta('ok'), delta('upstream_unavailable'), delta('upstream_error')]).toEqual([
        1, 1, 1,
      ]);
      expect(provider.callCount).toBe(3);
    });

    it('times each whole LLM request, and the first token of a stream', async () => {
      const before = await scrape(sut);
      await chat('timed');
      const streamed = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'timed too' });
      await streamed.text();

      const ok = { provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok' };
      const firstToken = { provider: 'openai', model: 'gpt-4o-mini' };
      const after = await scrapeWhen(
        sut,
        'llm_request_duration_seconds_count',
        ok,
        valueOf(before, 'llm_request_duration_seconds_count', ok) + 2,
      );
      expect(valueOf(after, 'llm_request_duration_seconds_count', ok)).toBe(
        valueOf(before, 'llm_request_duration_seconds_count', ok) + 2,
      );
      expect(valueOf(after, 'llm_time_to_first_token_seconds_count', firstToken)).toBe(
        valueOf(before, 'llm_time_to_first_token_seconds_count', firstToken) + 1,
      );
    });
  });

  describe('with the cache on', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp({ ...providerEnv(provider.baseUrl), ENABLE_CACHE: 'true' });
    });
    afterAll(() => sut.close());

    it('counts a first request as a cache miss and its repeat as a hit', async () => {
      const ask = () =>
        request(sut.url).post('/api/v1/chat').send({ message: 'cache me, please' }).expect(200);

      expect((await ask()).headers['x-cache']).toBe('MISS');
      expect((await ask()).headers['x-cache']).toBe('HIT');

      const metrics = await scrape(sut);
      expect(valueOf(metrics, 'cache_requests_total', { result: 'miss' })).toBe(1);
      expect(valueOf(metrics, 'cache_requests_total', { result: 'hit' })).toBe(1);
      expect(provider.callCount).toBe(1);
    });

    it('adds no tokens or cost for an answer served from the cache', async () => {
      const ask = () =>
        request(sut.url).post('/api/v1/chat').send({ message: 'cached twice' }).expect(200);
      await ask();
      const before = await scrape(sut);

      expect((await ask()).body.cached).toBe(true);

      const after = await scrape(sut);
      expect(valueOf(after, 'openai_tokens_used_total')).toBe(
        valueOf(before, 'openai_tokens_used_total'),
      );
      expect(valueOf(after, 'llm_cost_usd_total')).toBe(valueOf(before, 'llm_cost_usd_total'));
    });
  });

  describe('with API keys and a rate limit of one request', () => {
    const KEY = 'metrics-test-key';
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp({
        ...providerEnv(provider.baseUrl),
        API_KEYS: KEY,
        RATE_LIMIT_REQUESTS: '1',
        RATE_LIMIT_WINDOW: '60',
      });
    });
    afterAll(() => sut.close());

    it('increments rate_limited_total on a 429, and /metrics needs no key and is never limited', async () => {
      const chat = () =>
        request(sut.url)
          .post('/api/v1/chat')
          .set('Authorization', `Bearer ${KEY}`)
          .send({ message: 'hi' });
      expect(valueOf(await scrape(sut), 'rate_limited_total')).toBe(0);

      expect((await chat()).status).toBe(200);
      expect((await chat()).status).toBe(429);

      for (let i = 0; i < 5; i++) {
        const res = await request(sut.url).get('/metrics');
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
      }
      expect(valueOf(await scrape(sut), 'rate_limited_total')).toBe(1);
      const limited = { route: '/api/v1/chat', status: '429' };
      const metrics = await scrapeWhen(sut, 'http_requests_total', limited, 1);
      expect(valueOf(metrics, 'http_requests_total', limited)).toBe(1);
    });
  });
});

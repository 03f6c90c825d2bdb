import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { parseSse, postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const KEY_ONE = 'cache-test-key-one';
const KEY_TWO = 'cache-test-key-two';

interface ChatBody {
  message: string;
  conversation_id?: string;
  system_prompt?: string;
  temperature?: number;
  max_tokens?: number;
  model?: string;
  stream?: boolean;
}

/** The cache is the subject here, so it is on; the rate limit stays out of the way. */
function envFor(provider: FakeOpenAiServer, overrides: Record<string, string> = {}) {
  return {
    ...providerEnv(provider.baseUrl),
    OPENAI_ALLOWED_MODELS: 'gpt-4o-mini,gpt-4o',
    API_KEYS: `${KEY_ONE},${KEY_TWO}`,
    ENABLE_CACHE: 'true',
    ...overrides,
  };
}

let questions = 0;
/** A question no earlier test asked, so no test sees another's cache entries. */
const aQuestion = () => `What is ${++questions} + ${questions}?`;

function chatOn(app: TestApp, body: ChatBody, key = KEY_ONE) {
  return request(app.url).post('/api/v1/chat').set('Authorization', `Bearer ${key}`).send(body);
}

/** Supertest parser that keeps an event-stream body as text. */
function readText(res: request.Response, done: (error: Error | null, body: string) => void) {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
}

function streamOn(app: TestApp, body: ChatBody, key = KEY_ONE) {
  return request(app.url)
    .post('/api/v1/chat/stream')
    .set('Authorization', `Bearer ${key}`)
    .send(body)
    .buffer(true)
    .parse(readText);
}

describe('Response cache', () => {
  let provider: FakeOpenAiServer;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
  });
  afterAll(async () => {
    await provider.close();
  });
  beforeEach(() => provider.reset());

  describe('with ENABLE_CACHE=true', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp(envFor(provider));
    });
    afterAll(async () => {
      await sut.close();
    });

    const chat = (body: ChatBody, key?: string) => chatOn(sut, body, key);

    it('answers an identical request from the cache: HIT, cached true, cost 0, no provider call', async () => {
      const message = aQuestion();
      const first = await chat({ message }).expect(200);

      const second = await chat({ message }).expect(200);

      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.body).toMatchObject({ cached: false, cost_estimate: expect.any(Number) });
      expect(first.body.cost_estimate).toBeGreaterThan(0);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toMatchObject({
        message: first.body.message,
        model: first.body.model,
        cached: true,
        cost_estimate: 0,
      });
      expect(provider.callCount).toBe(1);
    });

    it('records a cache hit as a turn of its own conversation', async () => {
      const message = aQuestion();
      const first = await chat({ message }).expect(200);

      const hit = await chat({ message }).expect(200);

      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body.conversation_id).not.toBe(first.body.conversation_id);
      const stored = await request(sut.url)
        .get(`/api/v1/conversations/${hit.body.conversation_id as string}`)
        .set('Authorization', `Bearer ${KEY_ONE}`)
        .expect(200);
      expect(stored.body.messages.map((m: { role: string; content: string }) => m)).toEqual([
        { role: 'user', content: message, timestamp: expect.any(String) },
        { role: 'assistant', content: first.body.message, timestamp: expect.any(String) },
      ]);
      expect(stored.body).toMatchObject({ total_tokens: 0, total_cost: 0 });
    });

    it('answers a later turn over a long history from the cache, when another conversation had the same history', async () => {
      // 96,000 characters of answer: the turn after it has a key too long to digest inline.
      provider.enqueue(
        { kind: 'reply', content: 'long answer '.repeat(8_000) },
        { kind: 'reply', content: 'Short follow-up.' },
      );
      const opening = aQuestion();
      const first = await chat({ message: opening }).expect(200);
      await chat({ message: 'And then?', conversation_id: first.body.conversation_id }).expect(200);
      const twin = await chat({ message: opening }).expect(200);

      const followUp = await chat({
        message: 'And then?',
        conversation_id: twin.body.conversation_id,
      }).expect(200);

      expect(twin.headers['x-cache']).toBe('HIT');
      expect(followUp.headers['x-cache']).toBe('HIT');
      expect(followUp.body.message).toBe('Short follow-up.');
      expect(provider.callCount).toBe(2);
    });

    it('makes one provider call for 20 concurrent identical requests: one MISS, 19 HITs, one answer', async () => {
      provider.setDefault({ kind: 'reply', content: 'Shared answer.', delayMs: 200 });
      const message = aQuestion();

      const responses = await Promise.all(Array.from({ length: 20 }, () => chat({ message })));

      expect(provider.callCount).toBe(1);
      expect(responses.map((res) => res.status)).toEqual(Array<number>(20).fill(200));
      expect(responses.map((res) => res.body.message as string)).toEqual(
        Array<string>(20).fill('Shared answer.'),
      );
      const caches = responses.map((res) => res.headers['x-cache'] as string);
      expect(caches.filter((value) => value === 'MISS')).toHaveLength(1);
      expect(caches.filter((value) => value === 'HIT')).toHaveLength(19);
      for (const res of responses) expect(res.body.cached).toBe(res.headers['x-cache'] === 'HIT');
    });

    it.each<[string, (first: request.Response, message: string) => [ChatBody, string?]]>([
      ['model', (_, message) => [{ message, model: 'gpt-4o' }]],
      ['temperature', (_, message) => [{ message, temperature: 0.2 }]],
      ['max_tokens', (_, message) => [{ message, max_tokens: 50 }]],
      ['system_prompt', (_, message) => [{ message, system_prompt: 'Answer in French.' }]],
      [
        'history (the same message continuing a conversation)',
        (first, message) => [{ message, conversation_id: first.body.conversation_id as string }],
      ],
      ['API key', (_, message) => [{ message }, KEY_TWO]],
    ])('does not share an answer across a different %s', async (_field, variantOf) => {
      const message = aQuestion();
      const first = await chat({ message }).expect(200);
      const [body, key] = variantOf(first, message);

      const variant = await chat(body, key).expect(200);

      expect(first.headers['x-cache']).toBe('MISS');
      expect(variant.headers['x-cache']).toBe('MISS');
      expect(variant.body.cached).toBe(false);
      expect(provider.callCount).toBe(2);
      const identical = await chat({ message }).expect(200);
      expect(identical.headers['x-cache']).toBe('HIT');
      expect(provider.callCount).toBe(2);
    });

    it('shares an answer with a request that spells out the default parameters', async () => {
      const message = aQuestion();
      await chat({ message }).expect(200);

      const explicit = await chat({
        message,
        model: 'gpt-4o-mini',
        temperature: 0.7,
        max_tokens: 1000,
      }).expect(200);

      expect(explicit.headers['x-cache']).toBe('HIT');
      expect(provider.callCount).toBe(1);
    });

    it('never serves a stream from the cache', async () => {
      const message = aQuestion();
      await chat({ message }).expect(200);
      expect((await chat({ message }).expect(200)).headers['x-cache']).toBe('HIT');

      const streamed = await streamOn(sut, { message }).expect(200);
      const streamedViaChat = await chat({ message, stream: true })
        .buffer(true)
        .parse(readText)
        .expect(200);

      expect(provider.callCount).toBe(3);
      for (const res of [streamed, streamedViaChat]) {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        expect(res.headers['x-cache']).toBeUndefined();
        const last = parseSse(res.body as string).at(-1);
        expect(last).toMatchObject({ finished: true, cost_estimate: expect.any(Number) });
        expect(last?.cost_estimate).toBeGreaterThan(0);
      }
    });

    it('keeps the shared provider call going when one of two coalesced clients disconnects', async () => {
      provider.setDefault({ kind: 'reply', content: 'Still coming.', delayMs: 1500 });
      const message = aQuestion();
      const leaving = new AbortController();
      const headers = { authorization: `Bearer ${KEY_ONE}` };
      const left = postJson(
        `${sut.url}/api/v1/chat`,
        { message },
        { signal: leaving.signal, headers },
      )
        .then(() => 'answered')
        .catch(() => 'aborted');
      await provider.waitForRequests(1);
      const staying = chat({ message }).then((res) => res);
      // Long enough for the second request to pass the guards and join the call in flight.
      await new Promise((resolve) => setTimeout(resolve, 300));

      leaving.abort();
      const res = await staying;

      expect(await left).toBe('aborted');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ message: 'Still coming.', cached: true });
      expect(provider.callCount).toBe(1);
      expect(provider.abortCount).toBe(0);
      const later = await chat({ message }).expect(200);
      expect(later.headers['x-cache']).toBe('HIT');
    });

    it('cancels the shared provider call once every coalesced client has disconnected', async () => {
      provider.setDefault({ kind: 'reply', content: 'Nobody waits.', delayMs: 5000 });
      const message = aQuestion();
      const clients = [new AbortController(), new AbortController()];
      const headers = { authorization: `Bearer ${KEY_ONE}` };
      const calls = clients.map((client) =>
        postJson(`${sut.url}/api/v1/chat`, { message }, { signal: client.signal, headers }).catch(
          () => undefined,
        ),
      );
      await provider.waitForRequests(1);
      await new Promise((resolve) => setTimeout(resolve, 150));

      for (const client of clients) client.abort();
      await Promise.all(calls);

      await provider.waitFor(() => provider.abortCount === 1);
      expect(provider.callCount).toBe(1);
    });
  });

  describe('with CACHE_TTL=0.3', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp(envFor(provider, { CACHE_TTL: '0.3' }));
    });
    afterAll(async () => {
      await sut.close();
    });

    it('calls the provider again once the cached answer has expired', async () => {
      const message = aQuestion();
      await chatOn(sut, { message }).expect(200);
      expect((await chatOn(sut, { message }).expect(200)).headers['x-cache']).toBe('HIT');

      await new Promise((resolve) => setTimeout(resolve, 400));
      const expired = await chatOn(sut, { message }).expect(200);

      expect(expired.headers['x-cache']).toBe('MISS');
      expect(provider.callCount).toBe(2);
    });
  });

  describe('with CACHE_MAX_BYTES=1kb, room for one long answer', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp(envFor(provider, { CACHE_MAX_BYTES: '1kb' }));
    });
    afterAll(async () => {
      await sut.close();
    });

    it('drops the least recently used answer once the cached bytes would pass the bound', async () => {
      const [first, second] = [aQuestion(), aQuestion()];
      const long = 'x'.repeat(600);
      provider.enqueue(
        { kind: 'reply', content: `first ${long}` },
        { kind: 'reply', content: `second ${long}` },
        { kind: 'reply', content: `first again ${long}` },
      );
      const cacheOf = async (message: string) =>
        (await chatOn(sut, { message }).expect(200)).headers['x-cache'];

      expect(await cacheOf(first)).toBe('MISS');
      expect(await cacheOf(second)).toBe('MISS');
      expect(await cacheOf(first)).toBe('MISS');
      expect(await cacheOf(first)).toBe('HIT');
      expect(provider.callCount).toBe(3);
    });
  });

  describe('with ENABLE_CACHE=false', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startTestApp(envFor(provider, { ENABLE_CACHE: 'false' }));
    });
    afterAll(async () => {
      await sut.close();
    });

    it('calls the provider for every request, identical or not, and always says MISS', async () => {
      const message = aQuestion();

      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await chatOn(sut, { message }).expect(200));

      expect(provider.callCount).toBe(3);
      for (const res of responses) {
        expect(res.headers['x-cache']).toBe('MISS');
        expect(res.body.cached).toBe(false);
        expect(res.body.cost_estimate).toBeGreaterThan(0);
      }
    });

    it('does not coalesce concurrent identical requests', async () => {
      provider.setDefault({ kind: 'reply', content: 'Each their own.', delayMs: 100 });
      const message = aQuestion();

      const responses = await Promise.all([1, 2, 3].map(() => chatOn(sut, { message })));

      expect(provider.callCount).toBe(3);
      expect(responses.map((res) => res.headers['x-cache'])).toEqual(['MISS', 'MISS', 'MISS']);
    });
  });
});

import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /api/v1/chat', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp({ ...providerEnv(provider.baseUrl), CONVERSATION_MAX_MESSAGES: '6' });
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });
  beforeEach(() => provider.reset());

  const chat = (body: Record<string, unknown>) => request(sut.url).post('/api/v1/chat').send(body);

  it('answers 200 with the contract shape, the provider usage and a cost from the price table', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'Paris.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 1000, completion_tokens: 2000 },
    });

    const res = await chat({ message: '  Capital of France?  ' }).expect(200);

    expect(res.body).toEqual({
      message: 'Paris.',
      conversation_id: expect.stringMatching(UUID),
      model: 'gpt-4o-mini-2024-07-18',
      tokens_used: 3000,
      prompt_tokens: 1000,
      completion_tokens: 2000,
      // 1000 prompt tokens at $0.00015/1K + 2000 completion tokens at $0.0006/1K
      cost_estimate: 0.00135,
      finish_reason: 'stop',
      cached: false,
      timestamp: expect.any(String),
    });
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
    expect(res.headers['x-conversation-id']).toBe(res.body.conversation_id);
    expect(res.headers['x-cache']).toBe('MISS');
    expect(provider.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
    ]);
  });

  it('sends the request parameters and config defaults to the provider', async () => {
    await chat({ message: 'a' }).expect(200);
    await chat({ message: 'b', temperature: 0, max_tokens: 7 }).expect(200);

    expect(provider.requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 1000 }),
      expect.objectContaining({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 7 }),
    ]);
  });

  it('reports cost_estimate null for a model with no known price', async () => {
    provider.enqueue({ kind: 'reply', content: 'hi', model: 'some-local-llama' });

    const res = await chat({ message: 'hello' }).expect(200);

    expect(res.body.cost_estimate).toBeNull();
    expect(res.body.tokens_used).toBeGreaterThan(0);
  });

  it('sends the system prompt and earlier turns, in order, before the new message', async () => {
    provider.enqueue({ kind: 'reply', content: 'A1' }, { kind: 'reply', content: 'A2' });
    const first = await chat({ message: 'Q1', system_prompt: 'Be brief.' }).expect(200);
    const id = first.body.conversation_id as string;

    await chat({ message: 'Q2', conversation_id: id }).expect(200);
    await chat({ message: 'Q3', conversation_id: id }).expect(200);

    expect(provider.requests[2]!.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
      { role: 'user', content: 'Q3' },
    ]);
  });

  it('replaces the stored system prompt when a later turn gives one', async () => {
    const first = await chat({ message: 'Q1', system_prompt: 'Old.' }).expect(200);
    const id = first.body.conversation_id as string;

    await chat({ message: 'Q2', conversation_id: id, system_prompt: 'New.' }).expect(200);
    await chat({ message: 'Q3', conversation_id: id }).expect(200);

    expect(provider.requests[2]!.body.messages[0]).toEqual({ role: 'system', content: 'New.' });
    const stored = await request(sut.url).get(`/api/v1/conversations/${id}`).expect(200);
    expect(stored.body.system_prompt).toBe('New.');
  });

  it('starts a conversation under a caller-chosen id', async () => {
    const id = '0b7c6a8e-5a3f-4d2e-9c1b-2f4e6a8c0d1e';

    const res = await chat({ message: 'hi', conversation_id: id }).expect(200);

    expect(res.body.conversation_id).toBe(id);
    await request(sut.url).get(`/api/v1/conversations/${id}`).expect(200);
  });

  it('keeps only the most recent CONVERSATION_MAX_MESSAGES messages, and sends only those', async () => {
    const first = await chat({ message: 'Q1' }).expect(200);
    const id = first.body.conversation_id as string;
    for (const n of [2, 3, 4]) await chat({ message: `Q${n}`, conversation_id: id }).expect(200);

    const stored = await request(sut.url).get(`/api/v1/conversations/${id}`).expect(200);

    expect(stored.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'Q2',
      'echo: Q2',
      'Q3',
      'echo: Q3',
      'Q4',
      'echo: Q4',
    ]);
    expect(provider.requests[3]!.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'Q1',
      'echo: Q1',
      'Q2',
      'echo: Q2',
      'Q3',
      'echo: Q3',
      'Q4',
    ]);
  });

  it('keeps all of 10 concurrent turns on one conversation', async () => {
    const id = 'c0ffee00-0000-4000-8000-000000000010';
    const local = await startTestApp({
      ...providerEnv(provider.baseUrl),
      CONVERSATION_MAX_MESSAGES: '100',
    });
    try {
      provider.setDefault({
        kind: 'reply',
        content: 'ok',
        usage: { prompt_tokens: 2, completion_tokens: 3 },
        delayMs: 20,
      });
      const questions = Array.from({ length: 10 }, (_, n) => `question ${n}`);

      await Promise.all(
        questions.map((message) =>
          request(local.url)
            .post('/api/v1/chat')
            .send({ message, conversation_id: id })
            .expect(200),
        ),
      );

      const stored = await request(local.url).get(`/api/v1/conversations/${id}`).expect(200);
      const contents = stored.body.messages.map((m: { content: string }) => m.content);
      expect(contents).toHaveLength(20);
      expect(contents.filter((c: string) => c.startsWith('question')).sort()).toEqual(
        questions.sort(),
      );
      expect(stored.body.total_tokens).toBe(50);
    } finally {
      await local.close();
    }
  });
});

describe('GET and DELETE /api/v1/conversations/:id', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(providerEnv(provider.baseUrl));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });

  it('returns the messages, system prompt and totals of a conversation', async () => {
    provider.enqueue(
      { kind: 'reply', content: 'A1', usage: { prompt_tokens: 10, completion_tokens: 5 } },
      { kind: 'reply', content: 'A2', usage: { prompt_tokens: 20, completion_tokens: 5 } },
    );
    const first = await request(sut.url)
      .post('/api/v1/chat')
      .send({ message: 'Q1', system_prompt: 'S' })
      .expect(200);
    const id = first.body.conversation_id as string;
    await request(sut.url).post('/api/v1/chat').send({ message: 'Q2', conversation_id: id });

    const res = await request(sut.url).get(`/api/v1/conversations/${id}`).expect(200);

    expect(res.body).toEqual({
      conversation_id: id,
      messages: [
        { role: 'user', content: 'Q1', timestamp: expect.any(String) },
        { role: 'assistant', content: 'A1', timestamp: expect.any(String) },
        { role: 'user', content: 'Q2', timestamp: expect.any(String) },
        { role: 'assistant', content: 'A2', timestamp: expect.any(String) },
      ],
      system_prompt: 'S',
      total_tokens: 40,
      // 30 prompt tokens at $0.00015/1K + 10 completion tokens at $0.0006/1K
      total_cost: 0.0000105,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(res.body.updated_at >= res.body.created_at).toBe(true);
  });

  it('answers 404 in the error shape for an unknown conversation', async () => {
    const res = await request(sut.url)
      .get('/api/v1/conversations/7d1f0c55-0000-4000-8000-000000000000')
      .expect(404);

    expect(res.body).toEqual({
      error: 'not_found',
      message: expect.any(String),
      request_id: res.headers['x-request-id'],
    });
  });

  it('deletes a conversation with 204, after which it is 404, and a second delete is 404', async () => {
    const created = await request(sut.url).post('/api/v1/chat').send({ message: 'hi' }).expect(200);
    const path = `/api/v1/conversations/${created.body.conversation_id}`;

    await request(sut.url).delete(path).expect(204);

    await request(sut.url).get(path).expect(404);
    await request(sut.url).delete(path).expect(404);
  });
});

describe('without OPENAI_API_KEY', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({});
  });
  afterAll(() => sut.close());

  it('answers from the mock provider with real token counts, and remembers the conversation', async () => {
    const first = await request(sut.url)
      .post('/api/v1/chat')
      .send({ message: 'hello' })
      .expect(200);
    const second = await request(sut.url)
      .post('/api/v1/chat')
      .send({ message: 'again', conversation_id: first.body.conversation_id })
      .expect(200);

    expect(first.body.model).toBe('mock');
    expect(first.body.message).toContain('hello');
    expect(first.body.prompt_tokens).toBeGreaterThan(0);
    expect(first.body.completion_tokens).toBeGreaterThan(0);
    expect(first.body.cost_estimate).toBe(0);
    expect(second.body.message).toContain('2 earlier messages');
  });

  it('reports the mock provider as ready', async () => {
    const res = await request(sut.url).get('/health/ready').expect(200);

    expect(res.body).toMatchObject({
      status: 'ok',
      info: { llm: { status: 'up', provider: 'mock' } },
    });
  });
});

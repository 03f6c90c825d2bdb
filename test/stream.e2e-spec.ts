import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import request from 'supertest';
import { FakeOpenAiServer, type FakeCompletionReply } from './support/fake-openai.server';
import { EventReader, type SseEvent } from './support/event-reader';
import { parseSse, postJson } from './support/sse';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** These tests count provider calls, so neither our own rate limit nor the response cache may interfere. */
function envFor(provider: FakeOpenAiServer, overrides: Record<string, string> = {}) {
  return {
    ...providerEnv(provider.baseUrl),
    RATE_LIMIT_REQUESTS: '1000',
    ENABLE_CACHE: 'false',
    ...overrides,
  };
}

function deltasOf(events: SseEvent[]): string[] {
  return events.filter((event) => event.finished === false).map((event) => event.delta as string);
}

/** An answer in three pieces, for the tests that break the connection after two. */
const ONE_TWO_THREE: FakeCompletionReply = {
  kind: 'reply',
  content: 'one two three',
  chunks: ['one ', 'two ', 'three'],
};

/** The events of a stream whose provider connection broke after the deltas 'one ' and 'two '. */
function twoDeltasThenUnavailable(conversationId: string): SseEvent[] {
  return [
    { delta: 'one ', conversation_id: conversationId, finished: false },
    { delta: 'two ', conversation_id: conversationId, finished: false },
    {
      delta: '',
      conversation_id: conversationId,
      finished: true,
      error: { error: 'upstream_unavailable', message: expect.any(String) },
    },
  ];
}

/**
 * What the server hands the kernel first for the next request to `path`: the
 * bytes of the socket's first `_write` or `_writev` (Node corks a response's
 * pieces written in one tick into one `_writev`).
 */
function firstSocketWriteOf(server: Server, path: string): Promise<string> {
  return new Promise((resolve) => {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url !== path) return;
      server.off('request', onRequest);
      const socket = res.socket as Socket;
      const { _write: write, _writev: writev } = socket;
      const capture = (data: string) => {
        socket._write = write;
        socket._writev = writev;
        resolve(data);
      };
      socket._write = (chunk: Buffer | string, encoding, callback) => {
        capture(String(chunk));
        write.call(socket, chunk, encoding, callback);
      };
      socket._writev = (chunks, callback) => {
        capture(chunks.map(({ chunk }) => String(chunk)).join(''));
        writev!.call(socket, chunks, callback);
      };
    };
    server.on('request', onRequest);
  });
}

describe('POST /api/v1/chat/stream', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(envFor(provider, { OPENAI_MAX_RETRIES: '1' }));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });
  beforeEach(() => provider.reset());

  const stream = (body: Record<string, unknown>, init?: { signal?: AbortSignal }) =>
    postJson(`${sut.url}/api/v1/chat/stream`, body, init);
  const conversation = (id: string) => request(sut.url).get(`/api/v1/conversations/${id}`);

  it("streams the answer as deltas, then a final event with the provider's usage, and stores the turn", async () => {
    const reply: FakeCompletionReply = {
      kind: 'reply',
      content: 'The quick brown fox',
      chunks: ['The ', 'quick ', 'brown fox'],
      model: 'gpt-4o-mini-2024-07-18',
      finishReason: 'length',
      usage: { prompt_tokens: 11, completion_tokens: 7 },
    };
    provider.enqueue(reply);

    const res = await stream({ message: 'Tell me about the fox' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const conversationId = res.headers.get('x-conversation-id');
    expect(conversationId).toMatch(UUID);
    const events = parseSse(await res.text());
    expect(events.slice(0, -1)).toEqual(
      reply.chunks!.map((delta) => ({ delta, conversation_id: conversationId, finished: false })),
    );
    expect(deltasOf(events).join('')).toBe(reply.content);
    expect(events.at(-1)).toEqual({
      delta: '',
      conversation_id: conversationId,
      finished: true,
      tokens_used: 18,
      prompt_tokens: 11,
      completion_tokens: 7,
      cost_estimate: expect.any(Number),
      finish_reason: 'length',
      model: 'gpt-4o-mini-2024-07-18',
    });
    expect(events.at(-1)!.cost_estimate).toBeGreaterThan(0);
    expect(provider.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const stored = await conversation(conversationId!).expect(200);
    expect(stored.body.messages).toEqual([
      { role: 'user', content: 'Tell me about the fox', timestamp: expect.any(String) },
      { role: 'assistant', content: reply.content, timestamp: expect.any(String) },
    ]);
  });

  it('answers POST /api/v1/chat with stream: true exactly as the stream endpoint does', async () => {
    const reply: FakeCompletionReply = {
      kind: 'reply',
      content: 'same either way',
      usage: { prompt_tokens: 5, completion_tokens: 3 },
    };
    provider.enqueue(reply, reply);
    const ids = ['a1b2c3d4-0000-4000-8000-00000000000a', 'a1b2c3d4-0000-4000-8000-00000000000b'];

    const viaStream = await stream({ message: 'same question', conversation_id: ids[0] });
    const viaChat = await postJson(`${sut.url}/api/v1/chat`, {
      message: 'same question',
      conversation_id: ids[1],
      stream: true,
    });

    expect(viaChat.status).toBe(viaStream.status);
    expect(viaChat.headers.get('content-type')).toBe(viaStream.headers.get('content-type'));
    expect(viaChat.headers.get('x-conversation-id')).toBe(ids[1]);
    const [streamEvents, chatEvents] = [
      parseSse(await viaStream.text()),
      parseSse(await viaChat.text()),
    ];
    expect(chatEvents).toEqual(
      streamEvents.map((event) => ({ ...event, conversation_id: ids[1] })),
    );
    expect(deltasOf(chatEvents).join('')).toBe(reply.content);
    expect(provider.requests[1]!.body).toMatchObject({ stream: true });
  });

  it('delivers the first delta to the client before the provider has finished', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'first second third',
      chunks: ['first ', 'second ', 'third'],
      holdAfterChunks: 1,
    });

    const res = await stream({ message: 'go slowly' });
    const events = EventReader.of(res);

    const first = await events.next();
    expect(provider.heldCount).toBe(1);
    expect(first).toMatchObject({ delta: 'first ', finished: false });
    provider.release();
    const rest = await events.rest();
    expect(deltasOf([first, ...rest]).join('')).toBe('first second third');
    expect(rest.at(-1)).toMatchObject({ finished: true, finish_reason: 'stop' });
  });

  it("holds the response headers until the provider's first content, so a failure before it can still go elsewhere", async () => {
    provider.enqueue({ ...ONE_TWO_THREE, holdAfterChunks: 0 });

    let answered = false;
    const response = stream({ message: 'think first' }).then((res) => {
      answered = true;
      return res;
    });
    await provider.waitFor(() => provider.heldCount === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    provider.release();

    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-conversation-id')).toMatch(UUID);
    expect(deltasOf(parseSse(await res.text())).join('')).toBe('one two three');
  });

  it('hands the headers and a first delta that is already there to the socket in one write', async () => {
    provider.enqueue({ ...ONE_TWO_THREE, headersWithFirstChunk: true });
    const firstWrite = firstSocketWriteOf(sut.app.getHttpServer(), '/api/v1/chat/stream');

    const res = await stream({ message: 'all at once' });
    await res.text();

    const written = await firstWrite;
    expect(written).toMatch(/^HTTP\/1\.1 200/);
    expect(written).toContain('"delta":"one "');
  });

  it('ends with an upstream_unavailable error event and stores nothing when the provider fails mid-stream', async () => {
    const conversationId = 'b2c3d4e5-0000-4000-8000-000000000001';
    // Held before failing: a connection that dies at once would take unread chunks down with it.
    provider.enqueue({ ...ONE_TWO_THREE, holdAfterChunks: 2, failAfterChunks: 2 });

    const res = await stream({ message: 'break please', conversation_id: conversationId });
    const reader = EventReader.of(res);
    const received = [await reader.next(), await reader.next()];
    provider.release();
    const events = [...received, ...(await reader.rest())];

    expect(res.status).toBe(200);
    expect(events).toEqual(twoDeltasThenUnavailable(conversationId));
    expect(provider.callCount).toBe(1);
    await conversation(conversationId).expect(404);
  });

  it('passes on every delta the provider sent before closing the connection, then ends with upstream_unavailable', async () => {
    const conversationId = 'b2c3d4e5-0000-4000-8000-000000000003';
    provider.enqueue({ ...ONE_TWO_THREE, closeAfterChunks: 2 });

    const res = await stream({ message: 'close please', conversation_id: conversationId });
    const events = await EventReader.of(res).rest();

    expect(events).toEqual(twoDeltasThenUnavailable(conversationId));
    await conversation(conversationId).expect(404);
  });

  it.each([
    ['without a finish_reason', { omitFinishReason: true }],
    ['without a finish_reason or [DONE]', { omitFinishReason: true, omitDone: true }],
  ])(
    'ends with an upstream_error event, not a success, when the provider stream stops %s',
    async (_, truncation) => {
      const conversationId = 'b2c3d4e5-0000-4000-8000-000000000002';
      provider.enqueue({ kind: 'reply', content: 'cut short', ...truncation });

      const res = await stream({ message: 'cut me', conversation_id: conversationId });

      const events = parseSse(await res.text());
      expect(deltasOf(events).join('')).toBe('cut short');
      expect(events.at(-1)).toEqual({
        delta: '',
        conversation_id: conversationId,
        finished: true,
        error: { error: 'upstream_error', message: expect.any(String) },
      });
      await conversation(conversationId).expect(404);
    },
  );

  it('answers a provider 429 that outlasts the retries as an ordinary 429 JSON error', async () => {
    provider.enqueue(
      { kind: 'error', status: 429 },
      { kind: 'error', status: 429, headers: { 'retry-after': '5' } },
    );

    const res = await stream({ message: 'busy?' });

    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: 'upstream_rate_limited',
      message: expect.any(String),
      request_id: res.headers.get('x-request-id'),
      retry_after: 5,
    });
    expect(provider.callCount).toBe(2);
  });

  it('answers an invalid request as an ordinary 422 JSON error without calling the provider', async () => {
    const res = await stream({ message: '   ' });

    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({
      error: 'validation_error',
      request_id: res.headers.get('x-request-id'),
      details: [expect.objectContaining({ field: 'message' })],
    });
    expect(provider.callCount).toBe(0);
  });

  it('cancels the provider stream at once and stores nothing when the client disconnects', async () => {
    const conversationId = 'b2c3d4e5-0000-4000-8000-000000000003';
    provider.enqueue({
      kind: 'reply',
      content: 'never finished',
      chunks: ['never ', 'finished'],
      holdAfterChunks: 1,
    });
    const client = new AbortController();

    const res = await stream(
      { message: 'I will leave', conversation_id: conversationId },
      { signal: client.signal },
    );
    const first = await EventReader.of(res).next();
    expect(first).toMatchObject({ delta: 'never ', finished: false });
    client.abort();

    await provider.waitFor(() => provider.abortCount === 1);
    expect(provider.heldCount).toBe(0);
    await conversation(conversationId).expect(404);
  });
});

describe('POST /api/v1/chat/stream with an idle provider (OPENAI_TIMEOUT=0.3)', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp(envFor(provider, { OPENAI_TIMEOUT: '0.3' }));
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });

  it('ends with an upstream_timeout error event when the provider goes silent mid-stream', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'slow and slower',
      chunks: ['slow ', 'and ', 'slower'],
      gapMs: 5_000,
    });

    const res = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'take your time' });

    const events = parseSse(await res.text());
    expect(deltasOf(events)).toEqual(['slow ']);
    expect(events.at(-1)).toMatchObject({
      delta: '',
      finished: true,
      error: { error: 'upstream_timeout', message: expect.any(String) },
    });
    await provider.waitFor(() => provider.abortCount === 1);
  });
});

describe('POST /api/v1/chat/stream without OPENAI_API_KEY', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({});
  });
  afterAll(() => sut.close());

  it('streams several deltas from the mock provider and ends with non-zero usage', async () => {
    const res = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'hello mock' });

    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(deltasOf(events).length).toBeGreaterThan(1);
    expect(deltasOf(events).join('')).toContain('hello mock');
    const last = events.at(-1)!;
    expect(last).toMatchObject({ finished: true, model: 'mock', finish_reason: 'stop' });
    expect(last.prompt_tokens).toBeGreaterThan(0);
    expect(last.completion_tokens).toBeGreaterThan(0);
    expect(last.tokens_used).toBe(
      (last.prompt_tokens as number) + (last.completion_tokens as number),
    );
  });
});

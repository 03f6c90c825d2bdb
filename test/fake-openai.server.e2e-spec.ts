import OpenAI, { APIConnectionError, APIUserAbortError, RateLimitError } from 'openai';
import { FakeOpenAiServer } from './support/fake-openai.server';

describe('FakeOpenAiServer (driven by the openai SDK)', () => {
  let server: FakeOpenAiServer;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Say hello please' }];

  beforeAll(async () => {
    server = await FakeOpenAiServer.start();
    client = new OpenAI({ apiKey: 'test', baseURL: server.baseUrl, maxRetries: 0 });
  });

  afterEach(() => server.reset());

  afterAll(async () => {
    await server.close();
  });

  it('answers a non-stream request with a chat.completion carrying content, usage and finish_reason', async () => {
    server.enqueue({ kind: 'reply', content: 'Hello there friend', finishReason: 'length' });

    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Hello there friend',
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it('streams deltas, finish_reason and a trailing usage chunk when include_usage is set', async () => {
    server.enqueue({
      kind: 'reply',
      content: 'Streaming works fine',
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });

    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finishReason: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finishReason ??= chunk.choices[0]?.finish_reason;
      usage ??= chunk.usage;
    }

    expect(text).toBe('Streaming works fine');
    expect(finishReason).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it('delivers the first delta while the stream is held and finishes it on release()', async () => {
    server.enqueue({ kind: 'reply', content: 'Hello', chunks: ['Hel', 'lo'], holdAfterChunks: 1 });

    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages,
      stream: true,
    });
    const deltas: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (!content) continue;
      deltas.push(content);
      if (deltas.length === 1) {
        expect(server.heldCount).toBe(1);
        server.release();
      }
    }

    expect(deltas).toEqual(['Hel', 'lo']);
    expect(server.heldCount).toBe(0);
  });

  it('surfaces a 429 as RateLimitError with the retry-after header readable', async () => {
    server.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '2' } });

    const error = await client.chat.completions
      .create({ model: 'gpt-test', messages })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers.get('retry-after')).toBe('2');
    expect((error as RateLimitError).code).toBe('rate_limit_exceeded');
  });

  it('counts a client abort while the request hangs', async () => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();

    const pending = client.chat.completions.create(
      { model: 'gpt-test', messages },
      { signal: controller.signal },
    );
    await server.waitForRequests(1);
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    await server.waitFor(() => server.abortCount === 1);
  });

  it('resets the connection so the SDK raises APIConnectionError', async () => {
    server.enqueue({ kind: 'reset' });

    await expect(
      client.chat.completions.create({ model: 'gpt-test', messages }),
    ).rejects.toBeInstanceOf(APIConnectionError);
    expect(server.abortCount).toBe(0);
  });

  it('echoes the last message by default and records each request body', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });

    expect(completion.choices[0]?.message.content).toBe('echo: Say hello please');
    expect(server.callCount).toBe(1);
    expect(server.requests[0]?.body).toMatchObject({ model: 'gpt-test', messages });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test');
  });
});

import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

const SERVICE_KEY = 'team-key-for-the-sdk';
const MODELS = 'gpt-4o-mini,gpt-4o';

const USAGE = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };

function chunk(delta: object, finish: string | null = null, extra: object = {}): object {
  return {
    id: 'chatcmpl-raw',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  };
}

const usageChunk = {
  id: 'chatcmpl-raw',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [],
  usage: USAGE,
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const piece of stream) chunks.push(piece);
  return chunks;
}

describe('the OpenAI-compatible API, through the official openai SDK', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;
  let client: OpenAI;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp({
      ...providerEnv(provider.baseUrl),
      OPENAI_ALLOWED_MODELS: MODELS,
      OPENAI_MAX_RETRIES: '0',
      API_KEYS: SERVICE_KEY,
      ENABLE_CACHE: 'true',
    });
    client = new OpenAI({ apiKey: SERVICE_KEY, baseURL: `${sut.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });
  beforeEach(() => provider.reset());

  it("creates a completion in OpenAI's body, with the provider's usage", async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'Paris.',
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    });

    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });

    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
    });
  });

  it('streams chunks ending in [DONE], without a usage chunk the caller did not ask for', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'one two three',
      chunks: ['one ', 'two ', 'three'],
    });

    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'count' }],
        stream: true,
      }),
    );

    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
    expect(chunks.every((c) => c.choices.length > 0 && c.usage === undefined)).toBe(true);
    expect(provider.requests[0]?.body.stream_options).toEqual({ include_usage: true });
  });

  it('ends the stream with the usage chunk when the caller asked for it', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'ab',
      chunks: ['a', 'b'],
      usage: { prompt_tokens: 3, completion_tokens: 2 },
    });

    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'ab' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );

    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2 },
    });
  });

  it('passes tool calls and their streamed argument deltas through intact', async () => {
    const toolCallChunks = [
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            index: 0,
            id: 'call_1',
            type: 'function',
            function: { name: 'weather', arguments: '' },
          },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
      usageChunk,
    ];
    provider.enqueue({ kind: 'raw', chunks: toolCallChunks });
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];

    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        tool_choice: 'auto',
        stream: true,
      }),
    );

    const args = chunks
      .map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '')
      .join('');
    expect(args).toBe('{"city":"Paris"}');
    expect(chunks[0]?.choices[0]?.delta.tool_calls?.[0]).toMatchObject({
      id: 'call_1',
      function: { name: 'weather' },
    });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(provider.requests[0]?.body).toMatchObject({ tools, tool_choice: 'auto' });
  });

  it('answers every choice of n: 2', async () => {
    provider.enqueue({
      kind: 'raw',
      completion: {
        id: 'chatcmpl-n2',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [0, 1].map((index) => ({
          index,
          message: { role: 'assistant', content: `answer ${index}` },
          finish_reason: 'stop',
          logprobs: null,
        })),
        usage: USAGE,
      },
    });

    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'two please' }],
      n: 2,
    });

    expect(completion.choices.map((c) => c.message.content)).toEqual(['answer 0', 'answer 1']);
    expect(provider.requests[0]?.body.n).toBe(2);
  });

  it('sends every role and content form, and unknown fields, to the provider as sent', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_9', content: 'done' },
      { role: 'user', content: 'And now?' },
    ];

    const sent = {
      model: 'gpt-4o',
      messages,
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 50,
      stop: ['\n\n'],
      response_format: { type: 'json_object' },
      user: 'end-user-1',
      future_field: { nested: [1, 2] },
    };

    await client.chat.completions.create(
      sent as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
    );

    expect(provider.requests[0]?.body).toEqual({ ...sent, stream: false });
  });

  it("never forwards the caller's key: the provider sees only OPENAI_API_KEY", async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'key?' }],
    });

    expect(provider.requests[0]?.headers.authorization).toBe('Bearer test-provider-key');
    expect(JSON.stringify(provider.requests[0])).not.toContain(SERVICE_KEY);
  });

  it('lists exactly the allowed models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);

    expect(models).toEqual(MODELS.split(','));
  });

  it("raises AuthenticationError for a wrong key, in OpenAI's error shape", async () => {
    const stranger = new OpenAI({ apiKey: 'not-a-key', baseURL: `${sut.url}/v1`, maxRetries: 0 });

    const error = await stranger.models.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  });

  it('raises NotFoundError model_not_found for a model not allowed, without calling the provider', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-5-secret', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('model_not_found');
    expect(provider.callCount).toBe(0);
  });

  it('raises BadRequestError for no messages, and for a prompt the provider finds too long', async () => {
    const empty = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [] })
      .catch((e: unknown) => e);
    provider.enqueue({
      kind: 'error',
      status: 400,
      body: {
        error: {
          message: 'maximum context length is 8192 tokens',
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    });
    const long = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'long' }] })
      .catch((e: unknown) => e);

    expect(empty).toBeInstanceOf(BadRequestError);
    expect((empty as BadRequestError).param).toBe('messages');
    expect(long).toBeInstanceOf(BadRequestError);
    expect((long as BadRequestError).code).toBe('context_length_exceeded');
  });

  it("raises RateLimitError with the provider's Retry-After, and APIError 503 for a provider failure", async () => {
    provider.enqueue(
      { kind: 'error', status: 429, headers: { 'retry-after': '7' } },
      { kind: 'error', status: 500 },
    );

    const limited = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a' }] })
      .catch((e: unknown) => e);
    const failed = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'b' }] })
      .catch((e: unknown) => e);

    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers?.get('retry-after')).toBe('7');
    expect(failed).toBeInstanceOf(APIError);
    expect((failed as APIError).status).toBe(503);
  });

  it('answers a repeated temperature: 0 request and a repeated seed request from the cache', async () => {
    const ask = (extra: object) =>
      request(sut.url)
        .post('/v1/chat/completions')
        .set('Authorization', `Bearer ${SERVICE_KEY}`)
        .send({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `cache me ${JSON.stringify(extra)}` }],
          ...extra,
        });

    for (const extra of [{ temperature: 0 }, { seed: 42, temperature: 0.9 }]) {
      const first = await ask(extra).expect(200);
      const second = await ask(extra).expect(200);
      expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['MISS', 'HIT']);
      expect(second.body).toEqual(first.body);
    }
    expect(provider.callCount).toBe(2);
  });

  it('never answers a request with tools, or a sampled one, from the cache', async () => {
    const body = (extra: object) => ({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'fresh' }],
      ...extra,
    });
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    for (const extra of [{ temperature: 0, tools }, { temperature: 0.7 }]) {
      for (let i = 0; i < 2; i++) {
        await request(sut.url)
          .post('/v1/chat/completions')
          .set('Authorization', `Bearer ${SERVICE_KEY}`)
          .send(body(extra))
          .expect(200);
      }
    }

    expect(provider.callCount).toBe(4);
  });

  it('makes one provider call for concurrent identical cacheable requests', async () => {
    provider.enqueue({ kind: 'reply', content: 'shared', delayMs: 100 });
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'all at once' }],
        temperature: 0,
      });

    const answers = await Promise.all([ask(), ask(), ask()]);

    expect(answers.map((a) => a.choices[0]?.message.content)).toEqual([
      'shared',
      'shared',
      'shared',
    ]);
    expect(provider.callCount).toBe(1);
  });

  it('raises an error from a stream the provider cut mid-way, instead of ending it as if whole', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'cut short',
      chunks: ['cut ', 'short'],
      closeAfterChunks: 1,
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'cut' }],
      stream: true,
    });

    const error = await collect(stream).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).error).toMatchObject({
      type: 'server_error',
      code: 'upstream_unavailable',
    });
  });

  it("counts a stream's tokens in the same metrics, though its caller did not ask for usage", async () => {
    const sampled = async () => {
      const text = (await request(sut.url).get('/metrics')).text;
      const line = /openai_tokens_used_total\{model="gpt-4o-mini",type="prompt"\} (\d+)/.exec(text);
      return Number(line?.[1] ?? 0);
    };
    const before = await sampled();
    provider.enqueue({
      kind: 'reply',
      content: 'x',
      chunks: ['x'],
      usage: { prompt_tokens: 21, completion_tokens: 1 },
    });

    const res = await request(sut.url)
      .post('/v1/chat/completions')
      .set('Authorization', `Bearer ${SERVICE_KEY}`)
      .send({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'stream' }],
        stream: true,
      });

    expect(res.status).toBe(200);
    expect(res.text).toContain('data: [DONE]');
    expect(res.text).not.toContain('"usage"');
    expect(await sampled()).toBe(before + 21);
  });

  it('cancels the provider request within a second when the client aborts a stream', async () => {
    provider.enqueue({
      kind: 'reply',
      content: 'slow answer',
      chunks: ['slow ', 'answer'],
      holdAfterChunks: 1,
    });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }], stream: true },
      { signal: controller.signal },
    );
    for await (const piece of stream) {
      if (piece.choices[0]?.delta.content) break;
    }
    controller.abort();

    await provider.waitFor(() => provider.abortCount === 1, 1000);
  });
});

describe('the OpenAI-compatible API beside /api/v1', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp({ ...providerEnv(provider.baseUrl), RATE_LIMIT_REQUESTS: '2' });
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });

  it('counts toward the same rate limit as /api/v1 for one caller, and raises RateLimitError past it', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${sut.url}/v1`, maxRetries: 0 });
    await request(sut.url).post('/api/v1/chat').send({ message: 'one' }).expect(200);
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'two' }],
    });

    const third = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'three' }] })
      .catch((e: unknown) => e);

    expect(third).toBeInstanceOf(RateLimitError);
    expect((third as RateLimitError).error).toMatchObject({
      type: 'requests',
      code: 'rate_limit_exceeded',
    });
    expect(Number((third as RateLimitError).headers?.get('retry-after'))).toBeGreaterThan(0);
  });
});

import request from 'supertest';
import { expectError, expectValidationError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

/** Lifts the service's own limits so that dozens of requests in one file stay deterministic. */
const ROOMY = { RATE_LIMIT_REQUESTS: '100000', ENABLE_CACHE: 'false' };

/** The parts of an upstream chat completion request these tests look at. */
interface SentBody {
  model: string;
  temperature: number;
  max_tokens: number;
  messages: { role: string; content: string }[];
}

const aBody = (fields: Record<string, unknown> = {}) => ({ message: 'hello', ...fields });

describe('POST /api/v1/chat field rules', () => {
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    provider = await FakeOpenAiServer.start();
    sut = await startTestApp({
      ...providerEnv(provider.baseUrl),
      ...ROOMY,
      OPENAI_ALLOWED_MODELS: 'gpt-4o-mini,gpt-4o',
    });
  });
  afterAll(async () => {
    await sut.close();
    await provider.close();
  });
  beforeEach(() => provider.reset());

  const chat = (body: unknown) =>
    request(sut.url)
      .post('/api/v1/chat')
      .send(body as object);
  const lastSent = () => provider.requests.at(-1)!.body as SentBody;

  it.each<[string, Record<string, unknown>, string]>([
    ['message is missing', {}, 'message'],
    ['message is not a string', { message: 42 }, 'message'],
    ['message is null', { message: null }, 'message'],
    ['message is empty', { message: '' }, 'message'],
    ['message is only spaces (empty once trimmed)', { message: ' \t\n  ' }, 'message'],
    ['message is 5001 characters', { message: 'm'.repeat(5001) }, 'message'],
    ['conversation_id is not a UUID', aBody({ conversation_id: 'not-a-uuid' }), 'conversation_id'],
    [
      'system_prompt is 1001 characters',
      aBody({ system_prompt: 's'.repeat(1001) }),
      'system_prompt',
    ],
    ['system_prompt is not a string', aBody({ system_prompt: 7 }), 'system_prompt'],
    ['temperature is below 0', aBody({ temperature: -0.1 }), 'temperature'],
    ['temperature is above 2', aBody({ temperature: 2.1 }), 'temperature'],
    ['temperature is a numeric string', aBody({ temperature: '0.5' }), 'temperature'],
    ['max_tokens is 0', aBody({ max_tokens: 0 }), 'max_tokens'],
    ['max_tokens is 4001', aBody({ max_tokens: 4001 }), 'max_tokens'],
    ['max_tokens is not an integer', aBody({ max_tokens: 1.5 }), 'max_tokens'],
    ['stream is not a boolean', aBody({ stream: 'true' }), 'stream'],
    ['model is not one of OPENAI_ALLOWED_MODELS', aBody({ model: 'gpt-3.5-turbo' }), 'model'],
    ['an unknown field is present', aBody({ user_id: 'u1' }), 'user_id'],
  ])(
    'answers 422 naming the field, without calling the provider, when %s',
    async (_, body, field) => {
      const res = await chat(body);

      expectValidationError(res, field);
      expect(provider.callCount).toBe(0);
    },
  );

  it('answers one detail per field when several fields are bad', async () => {
    const res = await chat({
      message: '',
      conversation_id: '123',
      temperature: '0.5',
      max_tokens: 0,
      stream: 1,
      model: 'gpt-3.5-turbo',
      colour: 'blue',
    });

    expectValidationError(
      res,
      'message',
      'conversation_id',
      'temperature',
      'max_tokens',
      'stream',
      'model',
      'colour',
    );
  });

  it('names the allowed models when the model is not one of them', async () => {
    const res = await chat(aBody({ model: 'gpt-3.5-turbo' }));

    expect(res.body.details).toEqual([
      { field: 'model', message: 'model must be one of: gpt-4o-mini, gpt-4o' },
    ]);
  });

  it('reports a wrongly typed field as a type problem, not as out of range', async () => {
    const res = await chat(aBody({ temperature: '0.5' }));

    expect(res.body.details).toEqual([
      { field: 'temperature', message: expect.stringMatching(/must be a number/) },
    ]);
  });

  it('validates the stream route by the same rules', async () => {
    const res = await request(sut.url)
      .post('/api/v1/chat/stream')
      .send(aBody({ max_tokens: 4001 }));

    expectValidationError(res, 'max_tokens');
    expect(provider.callCount).toBe(0);
  });

  it('accepts a message of exactly 5000 characters', async () => {
    const message = 'x'.repeat(5000);

    await chat({ message }).expect(200);

    expect(lastSent().messages.at(-1)).toEqual({ role: 'user', content: message });
  });

  it('accepts 5000 characters with surrounding spaces, and sends them trimmed', async () => {
    const message = 'y'.repeat(5000);

    await chat({ message: `   ${message} \n` }).expect(200);

    expect(lastSent().messages.at(-1)).toEqual({ role: 'user', content: message });
  });

  it('accepts a system_prompt of exactly 1000 characters', async () => {
    const systemPrompt = 'p'.repeat(1000);

    await chat(aBody({ system_prompt: systemPrompt })).expect(200);

    expect(lastSent().messages[0]).toEqual({ role: 'system', content: systemPrompt });
  });

  it.each([0, 2])('accepts temperature %p and sends it upstream', async (temperature) => {
    await chat(aBody({ temperature })).expect(200);

    expect(lastSent().temperature).toBe(temperature);
  });

  it.each([1, 4000])('accepts max_tokens %p and sends it upstream', async (maxTokens) => {
    await chat(aBody({ max_tokens: maxTokens })).expect(200);

    expect(lastSent().max_tokens).toBe(maxTokens);
  });

  it('accepts a conversation_id that is a UUID', async () => {
    const id = '5b0e7f3c-2d7a-4c1e-8f3b-9a6d4e2c1b0a';

    const res = await chat(aBody({ conversation_id: id })).expect(200);

    expect(res.body.conversation_id).toBe(id);
  });

  it('accepts stream: false as an ordinary JSON answer', async () => {
    const res = await chat(aBody({ stream: false })).expect(200);

    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('accepts another allowed model and sends it upstream', async () => {
    const res = await chat(aBody({ model: 'gpt-4o' })).expect(200);

    expect(lastSent().model).toBe('gpt-4o');
    expect(res.body.model).toBe('gpt-4o');
  });
});

describe('POST /api/v1/chat body problems', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ ...ROOMY, BODY_LIMIT: '1kb' });
  });
  afterAll(() => sut.close());

  const postRaw = (body: string, contentType = 'application/json') =>
    request(sut.url).post('/api/v1/chat').set('Content-Type', contentType).send(body);

  it('answers 400 bad_request for malformed JSON', async () => {
    const res = await postRaw('{"message": "hi",');

    expectError(res, 400, 'bad_request');
  });

  it('answers 400 bad_request for a JSON array', async () => {
    const res = await postRaw('[{"message": "hi"}]');

    expectError(res, 400, 'bad_request');
  });

  it('answers 400 bad_request for a JSON string', async () => {
    const res = await postRaw('"hi"');

    expectError(res, 400, 'bad_request');
  });

  it('answers 400 bad_request for JSON null', async () => {
    const res = await postRaw('null');

    expectError(res, 400, 'bad_request');
  });

  it('answers 415 unsupported_media_type for a text/plain body', async () => {
    const res = await postRaw('{"message": "hi"}', 'text/plain');

    expectError(res, 415, 'unsupported_media_type');
  });

  it('accepts a JSON Content-Type with a charset', async () => {
    await postRaw('{"message": "hi"}', 'application/json; charset=utf-8').expect(200);
  });

  it('answers 415 unsupported_media_type for a POST with no body and no Content-Type', async () => {
    const res = await request(sut.url).post('/api/v1/chat');

    expectError(res, 415, 'unsupported_media_type');
  });

  it('answers 415 unsupported_media_type for JSON in a charset other than UTF-8', async () => {
    const res = await postRaw('{"message": "hi"}', 'application/json; charset=latin1');

    expectError(res, 415, 'unsupported_media_type');
  });

  it('answers 415 unsupported_media_type for a compressed body', async () => {
    const res = await request(sut.url)
      .post('/api/v1/chat')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"message": "hi"}');

    expectError(res, 415, 'unsupported_media_type');
  });

  it('accepts a +json media type', async () => {
    await postRaw('{"message": "hi"}', 'application/vnd.api+json').expect(200);
  });

  it('answers 400 bad_request for an empty JSON body', async () => {
    const res = await postRaw('');

    expectError(res, 400, 'bad_request');
  });

  // A stream body is sent chunked, with no Content-Length to refuse it by up front.
  it('answers 413 payload_too_large for a chunked body that grows over BODY_LIMIT', async () => {
    const res = await fetch(`${sut.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: new Blob([JSON.stringify({ message: 'z'.repeat(1100) })]).stream(),
      duplex: 'half',
    });

    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('payload_too_large');
  });

  it('answers 413 payload_too_large for a body over BODY_LIMIT', async () => {
    const res = await postRaw(JSON.stringify({ message: 'z'.repeat(1100) }));

    expectError(res, 413, 'payload_too_large');
  });

  it('accepts a body just under BODY_LIMIT', async () => {
    const body = JSON.stringify({ message: 'z'.repeat(1000) });
    expect(Buffer.byteLength(body)).toBeLessThan(1024);

    await postRaw(body).expect(200);
  });
});

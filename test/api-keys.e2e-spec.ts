import { createHash } from 'node:crypto';
import request from 'supertest';
import { expectError } from './support/error-shape';
import { startTestApp, type TestApp } from './support/test-app';

const ROOMY = { RATE_LIMIT_REQUESTS: '100000', ENABLE_CACHE: 'false' };
const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

const KEY_ONE = 'key-one';
const KEY_TWO = 'key-two';
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const apiKey = (key: string) => ({ 'X-API-Key': key });

describe('with API_KEYS set', () => {
  let sut: TestApp;

  beforeAll(async () => {
    // key-two is configured only by its SHA-256 hex, as an operator who keeps no plain keys would.
    sut = await startTestApp({ ...ROOMY, API_KEYS: `${KEY_ONE}, ${sha256Hex(KEY_TWO)}` });
  });
  afterAll(() => sut.close());

  const chat = (headers: Record<string, string>, body: Record<string, unknown> = {}) =>
    request(sut.url)
      .post('/api/v1/chat')
      .set(headers)
      .send({ message: 'hello', ...body });

  const startConversation = async (headers: Record<string, string>): Promise<string> => {
    const res = await chat(headers).expect(200);
    return res.body.conversation_id as string;
  };

  it('answers 401 unauthorized in the error shape without a key', async () => {
    const res = await chat({});

    expectError(res, 401, 'unauthorized');
  });

  it('answers 401 for a conversation read without a key', async () => {
    const res = await request(sut.url).get(
      '/api/v1/conversations/5b0e7f3c-2d7a-4c1e-8f3b-9a6d4e2c1b0a',
    );

    expectError(res, 401, 'unauthorized');
  });

  it.each([
    ['a wrong bearer key', bearer('key-three')],
    ['a wrong X-API-Key', apiKey('key-three')],
    ['an empty bearer', { Authorization: 'Bearer ' }],
    ['another auth scheme', { Authorization: `Basic ${KEY_ONE}` }],
    ['the configured hash itself, as if it were the key', apiKey(sha256Hex(KEY_TWO))],
  ])('answers 401 for %s', async (_, headers) => {
    const res = await chat(headers);

    expectError(res, 401, 'unauthorized');
  });

  it('does not echo the presented key in the 401 body', async () => {
    const res = await chat(bearer('sk-very-secret-guess'));

    expect(res.status).toBe(401);
    expect(res.text).not.toContain('sk-very-secret-guess');
  });

  it('accepts a plain configured key as Authorization: Bearer', async () => {
    await chat(bearer(KEY_ONE)).expect(200);
  });

  it('accepts a hashed configured key as X-API-Key', async () => {
    await chat(apiKey(KEY_TWO)).expect(200);
  });

  it('accepts a hashed configured key as a bearer too', async () => {
    await chat(bearer(KEY_TWO)).expect(200);
  });

  it.each(['/', '/health', '/health/live', '/health/ready', '/docs', '/openapi.json'])(
    'serves public route %s without a key',
    async (path) => {
      await request(sut.url).get(path).expect(200);
    },
  );

  it("answers 404 to another key's GET of a conversation, and keeps it for its owner", async () => {
    const id = await startConversation(bearer(KEY_ONE));

    const res = await request(sut.url).get(`/api/v1/conversations/${id}`).set(apiKey(KEY_TWO));

    expectError(res, 404, 'not_found');
    await request(sut.url).get(`/api/v1/conversations/${id}`).set(bearer(KEY_ONE)).expect(200);
  });

  it("answers 404 to another key's DELETE of a conversation, which survives it", async () => {
    const id = await startConversation(bearer(KEY_ONE));

    const res = await request(sut.url).delete(`/api/v1/conversations/${id}`).set(apiKey(KEY_TWO));

    expectError(res, 404, 'not_found');
    const kept = await request(sut.url)
      .get(`/api/v1/conversations/${id}`)
      .set(bearer(KEY_ONE))
      .expect(200);
    expect(kept.body.messages).toHaveLength(2);
  });

  it('answers 404 when another key continues a conversation, and adds nothing to it', async () => {
    const id = await startConversation(bearer(KEY_ONE));

    const res = await chat(apiKey(KEY_TWO), { message: 'let me in', conversation_id: id });

    expectError(res, 404, 'not_found');
    const kept = await request(sut.url)
      .get(`/api/v1/conversations/${id}`)
      .set(bearer(KEY_ONE))
      .expect(200);
    expect(kept.body.messages.map((m: { content: string }) => m.content)).not.toContain(
      'let me in',
    );
    expect(kept.body.messages).toHaveLength(2);
  });

  it('lets the owner continue and delete its conversation', async () => {
    const id = await startConversation(bearer(KEY_ONE));

    await chat(apiKey(KEY_ONE), { message: 'again', conversation_id: id }).expect(200);
    const kept = await request(sut.url)
      .get(`/api/v1/conversations/${id}`)
      .set(bearer(KEY_ONE))
      .expect(200);
    await request(sut.url).delete(`/api/v1/conversations/${id}`).set(bearer(KEY_ONE)).expect(204);

    expect(kept.body.messages).toHaveLength(4);
  });

  it('answers the same 404 for an unknown conversation as for a foreign one', async () => {
    const foreign = await startConversation(bearer(KEY_ONE));

    const unknown = await request(sut.url)
      .get('/api/v1/conversations/7d1f0c55-0000-4000-8000-000000000000')
      .set(apiKey(KEY_TWO));
    const owned = await request(sut.url)
      .get(`/api/v1/conversations/${foreign}`)
      .set(apiKey(KEY_TWO));

    expect(owned.status).toBe(unknown.status);
    expect(owned.body.message).toBe(unknown.body.message);
  });
});

describe('without API_KEYS', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp(ROOMY);
  });
  afterAll(() => sut.close());

  it('needs no key for chat and conversations', async () => {
    const created = await request(sut.url)
      .post('/api/v1/chat')
      .send({ message: 'hello' })
      .expect(200);
    const path = `/api/v1/conversations/${created.body.conversation_id}`;

    await request(sut.url).get(path).expect(200);
    await request(sut.url).delete(path).expect(204);
  });

  it('ignores a key that is sent anyway', async () => {
    await request(sut.url)
      .post('/api/v1/chat')
      .set(bearer('anything'))
      .send({ message: 'hello' })
      .expect(200);
  });
});

describe('every form of API_KEYS entry', () => {
  let sut: TestApp;
  const FORMS = {
    plain: 'plain-key-1',
    hashed: 'hashed-key-2',
    named: 'named-key-3',
    namedHashed: 'named-hashed-key-4',
  };

  beforeAll(async () => {
    sut = await startTestApp({
      ...ROOMY,
      API_KEYS: [
        FORMS.plain,
        `sha256:${sha256Hex(FORMS.hashed)}`,
        `team-a=${FORMS.named}`,
        `team-b=sha256:${sha256Hex(FORMS.namedHashed)}`,
      ].join(','),
    });
  });
  afterAll(() => sut.close());

  const models = () => request(sut.url).get('/api/v1/models');

  it.each(Object.entries(FORMS))(
    'accepts the %s key by Authorization: Bearer and by X-API-Key',
    async (_, key) => {
      await models().set('Authorization', `Bearer ${key}`).expect(200);
      await models().set('X-API-Key', key).expect(200);
    },
  );

  it.each([
    ['a name', 'team-a'],
    ['a whole entry', `team-a=${FORMS.named}`],
    ['a stored hash', sha256Hex(FORMS.hashed)],
    ['a stored hash with its prefix', `sha256:${sha256Hex(FORMS.hashed)}`],
    ['a near miss', `${FORMS.named}x`],
    ['a near miss by case', FORMS.plain.toUpperCase()],
  ])('refuses %s as a key, by either header', async (_, notAKey) => {
    expectError(await models().set('Authorization', `Bearer ${notAKey}`), 401, 'unauthorized');
    expectError(await models().set('X-API-Key', notAKey), 401, 'unauthorized');
  });

  it("knows a named key by its name: another name's conversation is a 404", async () => {
    const asA = { Authorization: `Bearer ${FORMS.named}` };
    const asB = { Authorization: `Bearer ${FORMS.namedHashed}` };
    const started = await request(sut.url)
      .post('/api/v1/chat')
      .set(asA)
      .send({ message: 'mine' })
      .expect(200);
    const id = started.body.conversation_id as string;

    await request(sut.url).get(`/api/v1/conversations/${id}`).set(asA).expect(200);
    expectError(
      await request(sut.url).get(`/api/v1/conversations/${id}`).set(asB),
      404,
      'not_found',
    );
  });
});

describe('METRICS_TOKEN', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ METRICS_TOKEN: 'scrape-token-7' });
  });
  afterAll(() => sut.close());

  it('answers 401 to a scrape without the token or with another one', async () => {
    expectError(await request(sut.url).get('/metrics'), 401, 'unauthorized');
    expectError(
      await request(sut.url).get('/metrics').set('Authorization', 'Bearer scrape-token-8'),
      401,
      'unauthorized',
    );
  });

  it('serves the metrics to a scrape with the token', async () => {
    const res = await request(sut.url)
      .get('/metrics')
      .set('Authorization', 'Bearer scrape-token-7');

    expect(res.status).toBe(200);
    expect(res.text).toContain('http_requests_total');
  });
});

import { connect } from 'node:net';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { REQUEST_ID, expectError } from './support/error-shape';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the last byte received to the socket closing. */
  closedAfterMs: number;
}

/** Sends bytes as they are (no client library tidies them) and reads until the server closes. */
function sendRaw(url: string, bytes: string, { endAfterMs }: { endAfterMs?: number } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<RawAnswer>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let lastByteAt = Date.now();
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      lastByteAt = Date.now();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: rest.join('\r\n\r\n'),
        closedAfterMs: Date.now() - lastByteAt,
      });
    });
    socket.write(bytes);
    if (endAfterMs !== undefined) setTimeout(() => socket.end(), endAfterMs);
  });
}

function expectContractBody(answer: RawAnswer, error: string): void {
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toEqual({ error, message: expect.any(String), request_id: expect.any(String) });
  expect(body.request_id).toMatch(REQUEST_ID);
  expect(answer.headers['x-request-id']).toBe(body.request_id);
}

describe('requests an attacker or a broken client sends', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ RATE_LIMIT_REQUESTS: '100000' });
  });
  afterAll(() => sut.close());

  it('answers 400 bad_request in the contract shape for a 10,000-deep array in an unknown field', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await request(sut.url)
      .post('/api/v1/chat')
      .set('Content-Type', 'application/json')
      .send(`{"message": "hi", "extra": ${deep}}`);

    expectError(res, 400, 'bad_request');
  });

  it('answers 400 bad_request in the contract shape for a path with bad percent-encoding', async () => {
    const res = await request(sut.url).get('/api/v1/conversations/%c0%ae%c0%ae%c0%af');

    expectError(res, 400, 'bad_request');
  });

  it('answers a chunked body cut inside a chunk with the contract body and a request id', async () => {
    const answer = await sendRaw(
      sut.url,
      'POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n10\r\n{"message": "hi"}zz\r\n0\r\n\r\n',
    );

    expect(answer.status).toBe(400);
    expectContractBody(answer, 'bad_request');
  });

  it('answers a raw CR in X-Request-ID with the contract body and a fresh request id', async () => {
    const answer = await sendRaw(
      sut.url,
      'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc\rdef\r\n\r\n',
    );

    expect(answer.status).toBe(400);
    expectContractBody(answer, 'bad_request');
  });

  it('answers 400 bad_request when the client stops sending its body half-way', async () => {
    const answer = await sendRaw(
      sut.url,
      'POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"message": "h',
      { endAfterMs: 100 },
    );

    expect(answer.status).toBe(400);
    expectContractBody(answer, 'bad_request');
  });

  it("believes X-Forwarded-For's nearest hop only with TRUST_PROXY, as Express's trust proxy", () => {
    expect(sut.app.getHttpAdapter().getInstance().get('trust proxy')).toBe(false);
  });
});

describe('TRUST_PROXY=true', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => sut.close());

  it('trusts one hop: the address our own proxy saw', () => {
    const trust = sut.app.getHttpAdapter().getInstance().get('trust proxy fn') as (
      address: string,
      hop: number,
    ) => boolean;

    expect([trust('10.0.0.1', 0), trust('10.0.0.2', 1)]).toEqual([true, false]);
  });
});

describe('an event stream asked for with Connection: close', () => {
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

  it('closes the socket right after its last event, with no keep-alive of its own', async () => {
    const body = JSON.stringify({ message: 'close after' });
    const answer = await sendRaw(
      sut.url,
      'POST /api/v1/chat/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toContain('"finished":true');
    expect(answer.closedAfterMs).toBeLessThan(1000);
  });
});

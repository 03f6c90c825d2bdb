import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureBuilt, startChildApp, type ChildApp } from './support/child-app';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { postJson } from './support/sse';
import { waitUntil } from './support/wait-until';

const PROVIDER_KEY = 'sk-test-THISMUSTNEVERAPPEAR1234567890';
const CLIENT_KEY = 'client-key-SECRET-42';
const WRONG_KEY = 'wrong-key-XYZ';
const REQUEST_ID = 'log-test-1';
const LATE_BODY_REQUEST_ID = 'log-test-late-body';
const STREAM_REQUEST_ID = 'log-test-stream';
const BAD_BODY_REQUEST_ID = 'log-test-bad-body';

interface LogLine {
  msg?: string;
  req?: { id?: string; method?: string; url?: string };
  res?: { statusCode?: number };
  [field: string]: unknown;
}

/** Sends the headers, then the body in a later packet, as a slow client or a large body does. */
async function postWithLateBody(url: string, body: object, headers: Record<string, string>) {
  const text = JSON.stringify(body);
  const req = httpRequest(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  await sleep(100);
  req.end(text);
  return answered;
}

/** The production service as a child process, with a known provider key, fed traffic once. */
describe('request logs of the built service', () => {
  let provider: FakeOpenAiServer;
  let sut: ChildApp;
  let providerHost: string;
  const bodies: string[] = [];

  const stdoutLines = () => sut.stdout().split('\n').filter(Boolean);
  const allLines = () => [...stdoutLines(), ...sut.stderr().split('\n').filter(Boolean)];
  const parsedLines = () => stdoutLines().map((line) => JSON.parse(line) as LogLine);
  /** pino-http's line for a finished request (other lines of the request carry its req too). */
  const requestLines = (id: string) =>
    parsedLines().filter((line) => line.req?.id === id && 'responseTime' in line);

  beforeAll(async () => {
    await ensureBuilt();
    provider = await FakeOpenAiServer.start();
    providerHost = new URL(provider.baseUrl).host;
    sut = await startChildApp({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: provider.baseUrl,
      OPENAI_MODEL: 'gpt-4o-mini',
      OPENAI_MAX_RETRIES: '0',
      API_KEYS: `team-logs=${CLIENT_KEY}`,
      ENABLE_CACHE: 'false',
      RATE_LIMIT_REQUESTS: '1000',
    });
    const asClient = { headers: { Authorization: `Bearer ${CLIENT_KEY}` } };

    provider.enqueue({
      kind: 'reply',
      content: 'Logged answer',
      usage: { prompt_tokens: 11, completion_tokens: 7 },
    });
    const answered = await postJson(
      `${sut.url}/api/v1/chat`,
      { message: 'hello' },
      { headers: { ...asClient.headers, 'X-Request-ID': REQUEST_ID } },
    );
    expect(answered.status).toBe(200);
    bodies.push(await answered.text());

    provider.enqueue({
      kind: 'reply',
      content: 'Streamed answer',
      chunks: ['Streamed ', 'answer'],
      usage: { prompt_tokens: 9, completion_tokens: 4 },
    });
    const streamed = await postJson(
      `${sut.url}/api/v1/chat/stream`,
      { message: 'stream it' },
      { headers: { ...asClient.headers, 'X-Request-ID': STREAM_REQUEST_ID } },
    );
    expect(streamed.status).toBe(200);
    await streamed.text();

    const badBody = await fetch(`${sut.url}/api/v1/chat`, {
      method: 'POST',
      headers: {
        ...asClient.headers,
        'Content-Type': 'application/json',
        'X-Request-ID': BAD_BODY_REQUEST_ID,
      },
      body: '{"message": ',
    });
    expect(badBody.status).toBe(400);

    // A failed attempt is logged on its own line, which must still name its request.
    provider.enqueue({ kind: 'error', status: 500 });
    const lateBody = await postWithLateBody(
      `${sut.url}/api/v1/chat`,
      { message: 'slowly' },
      { ...asClient.headers, 'X-Request-ID': LATE_BODY_REQUEST_ID },
    );
    expect(lateBody).toBe(503);

    // The provider echoes its key and address back, so the service's error log has something to scrub.
    provider.enqueue({
      kind: 'error',
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${PROVIDER_KEY} (Authorization: Bearer ${PROVIDER_KEY}) at http://${providerHost}/v1`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const refused = await postJson(`${sut.url}/api/v1/chat`, { message: 'again' }, asClient);
    expect(refused.status).toBe(502);
    bodies.push(await refused.text());

    const unauthorized = await postJson(
      `${sut.url}/api/v1/chat`,
      { message: 'let me in' },
      { headers: { Authorization: `Bearer ${WRONG_KEY}` } },
    );
    expect(unauthorized.status).toBe(401);
    bodies.push(await unauthorized.text());

    await waitUntil('a log line for each request', () =>
      stdoutLines().filter((line) => line.includes('"responseTime"')).length >= 6
        ? true
        : undefined,
    );
  }, 90_000);

  afterAll(async () => {
    await sut?.stop();
    await provider?.close();
  });

  it('writes one JSON line for the chat with its request id, route, status, timing, model and tokens', () => {
    const lines = requestLines(REQUEST_ID);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      req: { id: REQUEST_ID, method: 'POST', url: '/api/v1/chat' },
      res: { statusCode: 200 },
      route: '/api/v1/chat',
      client: 'team-logs',
      conversation: expect.stringMatching(/^[0-9a-f-]{36}$/),
      model: 'gpt-4o-mini',
      cached: false,
      tokens: 18,
      responseTime: expect.any(Number),
      upstream: 'default',
      upstream_ms: expect.any(Number),
      attempts: [
        { upstream: 'default', model: 'gpt-4o-mini', outcome: 'ok', ms: expect.any(Number) },
      ],
    });
  });

  it("writes the stream's line once it ended, with the provider's model and tokens", () => {
    expect(requestLines(STREAM_REQUEST_ID)).toEqual([
      expect.objectContaining({
        req: { id: STREAM_REQUEST_ID, method: 'POST', url: '/api/v1/chat/stream' },
        res: { statusCode: 200 },
        route: '/api/v1/chat/stream',
        conversation: expect.stringMatching(/^[0-9a-f-]{36}$/),
        model: 'gpt-4o-mini',
        cached: false,
        tokens: 13,
      }),
    ]);
  });

  it('logs a body the parser refused under its request id and route, with no field twice', () => {
    const lines = requestLines(BAD_BODY_REQUEST_ID);
    const raw = stdoutLines().filter((line) => line.includes(`"${BAD_BODY_REQUEST_ID}"`));

    expect(lines).toEqual([
      expect.objectContaining({ res: { statusCode: 400 }, route: '/api/v1/chat' }),
    ]);
    for (const line of raw) expect(line.match(/"req":/g)).toHaveLength(1);
  });

  it('writes a line per failed provider attempt with its request id, outcome and latency, none for a first-try success', () => {
    const attempts = parsedLines().filter((line) => line.msg === 'provider call');

    expect(attempts.filter((line) => line.req?.id === REQUEST_ID)).toEqual([]);
    expect(attempts).toEqual([
      expect.objectContaining({
        upstream: 'default',
        model: 'gpt-4o-mini',
        attempt: 1,
        outcome: 'upstream_unavailable',
        latencyMs: expect.any(Number),
      }),
      expect.objectContaining({ attempt: 1, outcome: 'upstream_error' }),
    ]);
  });

  it('keeps the request id on the provider line when the body arrives after the headers', () => {
    const attempts = parsedLines().filter(
      (line) => line.msg === 'provider call' && line.req?.id === LATE_BODY_REQUEST_ID,
    );

    expect(attempts).toEqual([expect.objectContaining({ outcome: 'upstream_unavailable' })]);
    expect(requestLines(LATE_BODY_REQUEST_ID)).toEqual([
      expect.objectContaining({
        attempts: [
          expect.objectContaining({ upstream: 'default', outcome: 'upstream_unavailable' }),
        ],
      }),
    ]);
  });

  it('writes no request line for the liveness probes that waited for the service to start', () => {
    const probed = parsedLines().filter((line) => line.req?.url === '/health/live');

    expect(probed).toEqual([]);
  });

  it('logs the refused provider call and the rejected key as requests with their status', () => {
    const statuses = parsedLines()
      .filter((line) => 'responseTime' in line)
      .map((line) => line.res?.statusCode);

    expect(statuses).toEqual(expect.arrayContaining([200, 503, 502, 401]));
  });

  it.each([
    ['the provider key', PROVIDER_KEY],
    ['the client API key', CLIENT_KEY],
    ['a wrong API key', WRONG_KEY],
  ])('never writes %s to any output line or response body', (_, secret) => {
    expect(allLines().filter((line) => line.includes(secret))).toEqual([]);
    expect(bodies.filter((body) => body.includes(secret))).toEqual([]);
  });

  it("logs the provider's refusal with its key and address blanked out", () => {
    const refusal = allLines().filter((line) => line.includes('Incorrect API key provided'));

    expect(refusal).not.toEqual([]);
    for (const line of refusal) expect(line).toContain('[REDACTED]');
  });

  it('never writes an Authorization value or a bearer token', () => {
    const credential =
      /authorization["']?\s*[:=]\s*["']?(?!(?:(?:bearer|basic)\s+)?\[REDACTED\])[^\s"',}]|bearer\s+(?!\[REDACTED\])[^\s"']/i;

    expect(allLines().filter((line) => credential.test(line))).toEqual([]);
  });

  it("keeps the provider's address out of every output line and response body", () => {
    expect(allLines().filter((line) => line.includes(providerHost))).toEqual([]);
    expect(bodies.filter((body) => body.includes(providerHost))).toEqual([]);
  });

  it('writes every stdout line as JSON, with no pretty printing in production', () => {
    const lines = stdoutLines();

    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

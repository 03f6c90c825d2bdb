import { ensureBuilt, startChildApp, type ChildApp } from './support/child-app';
import { EventReader } from './support/event-reader';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { postJson } from './support/sse';
import { waitUntil } from './support/wait-until';

/** Each case starts a process and waits out a drain. */
const CASE_TIMEOUT_MS = 20_000;
const CHUNKS = Array.from({ length: 10 }, (_, i) => `piece ${i} `);

describe('graceful shutdown of the built service on SIGTERM', () => {
  let provider: FakeOpenAiServer;
  let sut: ChildApp | undefined;

  const startService = (shutdownTimeoutSeconds: number) =>
    startChildApp({
      NODE_ENV: 'production',
      AUTH_DISABLED: 'true',
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'sk-test-shutdown-provider-key',
      OPENAI_BASE_URL: provider.baseUrl,
      OPENAI_MODEL: 'gpt-4o-mini',
      ENABLE_CACHE: 'false',
      RATE_LIMIT_REQUESTS: '1000',
      SHUTDOWN_TIMEOUT: String(shutdownTimeoutSeconds),
    });

  beforeAll(async () => {
    await ensureBuilt();
    provider = await FakeOpenAiServer.start();
  }, 90_000);
  afterEach(async () => {
    await sut?.stop();
    sut = undefined;
    provider.reset();
  });
  afterAll(() => provider.close());

  it(
    'answers readiness 503 and liveness 200 while a slow stream finishes normally, then exits 0',
    async () => {
      sut = await startService(10);
      provider.enqueue({
        kind: 'reply',
        content: CHUNKS.join(''),
        chunks: CHUNKS,
        gapMs: 150,
        usage: { prompt_tokens: 9, completion_tokens: 10 },
      });
      const res = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'take your time' });
      expect(res.status).toBe(200);
      const events = EventReader.of(res);
      expect(await events.next()).toMatchObject({ delta: CHUNKS[0], finished: false });

      sut.process.kill('SIGTERM');

      // The signal is handled on the child's own schedule, so readiness is asked until it turns.
      const ready = await waitUntil('readiness to turn 503', async () => {
        const probe = await fetch(`${sut!.url}/health/ready`);
        return probe.status === 503 ? probe : void (await probe.body?.cancel());
      });
      // Terminus itself reports "shutting_down" once the app is closing; "error" is its other not-ok status.
      expect(await ready.json()).toMatchObject({
        status: expect.stringMatching(/^(error|shutting_down)$/),
        error: { shutdown: { status: 'down' } },
        details: { shutdown: { status: 'down' } },
      });
      const live = await fetch(`${sut.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ status: 'healthy' });

      const rest = await events.rest();
      expect(rest.map((event) => event.delta).join('')).toBe(CHUNKS.slice(1).join(''));
      const last = rest.at(-1);
      expect(last).toMatchObject({
        finished: true,
        prompt_tokens: 9,
        completion_tokens: 10,
        tokens_used: 19,
        finish_reason: 'stop',
      });
      expect(last).not.toHaveProperty('error');
      expect(await sut.exited).toEqual({ code: 0, signal: null });
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'ends a stream still open at SHUTDOWN_TIMEOUT with an error event, then exits 0 promptly',
    async () => {
      sut = await startService(1);
      provider.enqueue({
        kind: 'reply',
        content: 'never finished',
        chunks: ['never ', 'finished'],
        holdAfterChunks: 1,
      });
      const res = await postJson(`${sut.url}/api/v1/chat/stream`, { message: 'wait forever' });
      expect(res.status).toBe(200);
      const events = EventReader.of(res);
      expect(await events.next()).toMatchObject({ delta: 'never ', finished: false });
      expect(provider.heldCount).toBe(1);

      const signalledAt = Date.now();
      sut.process.kill('SIGTERM');

      const rest = await events.rest();
      expect(rest.at(-1)).toMatchObject({
        finished: true,
        error: { error: expect.any(String), message: expect.any(String) },
      });
      expect(await sut.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(3000);
    },
    CASE_TIMEOUT_MS,
  );
});

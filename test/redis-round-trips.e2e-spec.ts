import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestServer } from './support/redis-server';
import { TcpTap } from './support/tcp-tap';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

/** The RESP name of each command in a chunk the service wrote to Redis. */
function commandsIn(text: string): string[] {
  return [...text.matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n(?:\$\d+\r\n([^\r]*)\r\n)?/g)].map(
    ([, name = '', firstArgument = '']) =>
      name.toUpperCase() === 'SET' && firstArgument.includes('cache')
        ? 'SET cache'
        : /^EVALSHA$/i.test(name) && text.includes('{conv:')
          ? 'EVALSHA conversation'
          : name.toUpperCase(),
  );
}

describe('Redis round trips of a chat request', () => {
  let redis: RedisTestServer;
  let tap: TcpTap;
  let provider: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    [redis, provider] = await Promise.all([RedisTestServer.start(), FakeOpenAiServer.start()]);
    tap = await TcpTap.start(redis.port);
    sut = await startTestApp({
      ...providerEnv(provider.baseUrl),
      REDIS_URL: `redis://127.0.0.1:${tap.port}`,
      ENABLE_CACHE: 'true',
      RATE_LIMIT_REQUESTS: '100',
    });
    await request(sut.url).post('/api/v1/chat').send({ message: 'warm up' }).expect(200);
  });
  afterAll(async () => {
    await sut?.close();
    await tap?.close();
    await Promise.all([redis?.stop(), provider?.close()]);
  });

  it('sends the cache write and the turn in one write, after the count and the cache lookup', async () => {
    tap.clear();

    await request(sut.url).post('/api/v1/chat').send({ message: 'one trip' }).expect(200);

    const writes = tap.chunks.filter(({ from }) => from === 'client').map(({ text }) => text);
    expect(writes.map(commandsIn)).toEqual([
      ['EVALSHA'],
      ['GET'],
      ['SET cache', 'EVALSHA conversation'],
    ]);
  });
});

import { Test, type TestingModule } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { createClient } from '@redis/client';
import { LoggerModule } from 'nestjs-pino';
import { configModule } from '../src/config/configuration';
import { RedisHealthIndicator } from '../src/health/redis.health';
import { RedisConnection } from '../src/redis/redis.connection';
import { RedisModule } from '../src/redis/redis.module';
import { RedisTestServer } from './support/redis-server';
import { waitUntil } from './support/wait-until';

describe('RedisHealthIndicator', () => {
  let server: RedisTestServer;
  let moduleRef: TestingModule;
  let sut: RedisHealthIndicator;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    const saved = { ...process.env };
    Object.assign(process.env, { LOG_LEVEL: 'silent', REDIS_URL: server.url });
    try {
      moduleRef = await Test.createTestingModule({
        imports: [
          configModule(),
          LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }),
          RedisModule,
          TerminusModule.forRoot({ logger: false }),
        ],
        providers: [RedisHealthIndicator],
      }).compile();
    } finally {
      process.env = saved;
    }
    await moduleRef.init();
    sut = moduleRef.get(RedisHealthIndicator);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await server?.stop();
  });

  it('is up when Redis answers PING', async () => {
    expect(sut.isConfigured).toBe(true);
    expect(await sut.check()).toEqual({ redis: { status: 'up' } });
  });

  it('is down after its 500 ms PING timeout when Redis holds its replies', async () => {
    const admin = await createClient({ url: server.url }).connect();
    await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
    admin.destroy();

    const started = Date.now();
    expect(await sut.check()).toEqual({
      redis: { status: 'down', message: 'no answer to PING' },
    });
    expect(Date.now() - started).toBeLessThan(800);
    await waitUntil('the pause to lapse', async () =>
      (await sut.check()).redis.status === 'up' ? true : undefined,
    );
  });

  it('is down, not connected, while Redis is stopped', async () => {
    await server.stop();
    await waitUntil('the connection to notice', () =>
      moduleRef.get(RedisConnection).isReady ? undefined : true,
    );

    expect(await sut.check()).toEqual({ redis: { status: 'down', message: 'not connected' } });
  });
});

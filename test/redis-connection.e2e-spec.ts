import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Test, type TestingModule } from '@nestjs/testing';
import { getLoggerToken, LoggerModule } from 'nestjs-pino';
import { configModule } from '../src/config/configuration';
import { RedisConnection } from '../src/redis/redis.connection';
import { RedisModule } from '../src/redis/redis.module';
import { RedisTestCluster, RedisTestServer } from './support/redis-server';
import { waitUntil } from './support/wait-until';

/** What the connection logged, one line per call: `info <message>` or `warn <reason>`. */
class RecordingLogger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(fields: { reason?: string }): void {
    this.lines.push(`warn ${fields.reason}`);
  }
}

interface Started {
  sut: RedisConnection;
  logger: RecordingLogger;
  moduleRef: TestingModule;
}

/** The real RedisModule, configured by `env` as production reads it, and initialised. */
async function startConnection(env: Record<string, string>): Promise<Started> {
  const saved = { ...process.env };
  Object.assign(process.env, { LOG_LEVEL: 'silent', ...env });
  const logger = new RecordingLogger();
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        configModule(),
        LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }),
        RedisModule,
      ],
    })
      .overrideProvider(getLoggerToken(RedisConnection.name))
      .useValue(logger)
      .compile();
    await moduleRef.init();
    return { sut: moduleRef.get(RedisConnection), logger, moduleRef };
  } finally {
    process.env = saved;
  }
}

async function unusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const until = (what: string, condition: () => boolean) =>
  waitUntil(what, () => (condition() ? true : undefined));

const COUNT_SCRIPT = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

describe('RedisConnection on a standalone Redis', () => {
  let server: RedisTestServer;
  let started: Started;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    started = await startConnection({ REDIS_URL: server.url, REDIS_KEY_PREFIX: 'test:' });
  });

  afterAll(async () => {
    await started?.moduleRef.close();
    await server?.stop();
  });

  it('is ready after module init and exposes the key prefix', () => {
    expect(started.sut.isReady).toBe(true);
    expect(started.sut.keyPrefix).toBe('test:');
    expect(started.logger.lines).toEqual([
      'info Redis connected: shared cache, rate limits and conversations',
    ]);
  });

  it('runs a script with keys and arguments through eval, and then by its digest through evalSha', async () => {
    const client = started.sut.client;
    const key = `test:${randomUUID()}`;

    expect(await client?.eval(COUNT_SCRIPT, { keys: [key], arguments: ['2'] })).toBe(2);
    const sha = await client?.scriptLoad(COUNT_SCRIPT);
    expect(await client?.evalSha(sha ?? '', { keys: [key], arguments: ['3'] })).toBe(5);
  });

  it('fails commands at once while Redis is down, logs the outage once, and recovers in the background', async () => {
    const { sut, logger } = started;
    await server.stop();
    await until('the connection to notice', () => !sut.isReady);

    for (let i = 0; i < 3; i++) {
      const sentAt = Date.now();
      await expect(sut.client?.get('test:any')).rejects.toBeInstanceOf(Error);
      expect(Date.now() - sentAt).toBeLessThan(200);
    }

    await server.restart();
    await until('the connection to come back', () => sut.isReady);
    await sut.client?.set('test:back', 'yes');
    expect(await sut.client?.get('test:back')).toBe('yes');
    expect(logger.lines).toEqual([
      'info Redis connected: shared cache, rate limits and conversations',
      'warn SocketClosedUnexpectedlyError',
      'info Redis connected: shared cache, rate limits and conversations',
    ]);
  });
});

describe('RedisConnection when Redis is not there at start-up', () => {
  it('starts within about 2 s, then connects once Redis appears', async () => {
    const port = await unusedPort();
    const startedAt = Date.now();
    const { sut, moduleRef } = await startConnection({ REDIS_URL: `redis://127.0.0.1:${port}` });
    let server: RedisTestServer | undefined;

    try {
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      expect(sut.isReady).toBe(false);

      server = await RedisTestServer.start({ port });
      await until('the connection to come back', () => sut.isReady);
      expect(await sut.client?.ping()).toBe('PONG');
    } finally {
      await moduleRef.close();
      await server?.stop();
    }
  });

  it('shuts down at once while Redis is away, closing the client', async () => {
    const { sut, moduleRef } = await startConnection({
      REDIS_URL: `redis://127.0.0.1:${await unusedPort()}`,
    });

    const startedAt = Date.now();
    await moduleRef.close();

    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(sut.client?.isOpen).toBe(false);
  });

  it('has no client when neither REDIS_URL nor REDIS_CLUSTER_NODES is set', async () => {
    const { sut, moduleRef } = await startConnection({});

    expect(sut.client).toBeUndefined();
    expect(sut.isReady).toBe(false);
    await moduleRef.close();
  });
});

describe('RedisConnection on a Redis Cluster', () => {
  let cluster: RedisTestCluster;
  let started: Started;

  beforeAll(async () => {
    cluster = await RedisTestCluster.start();
    started = await startConnection({ REDIS_CLUSTER_NODES: cluster.nodes.join(',') });
  }, 60_000);

  afterAll(async () => {
    await started?.moduleRef.close();
    await cluster?.stop();
  });

  it('is ready once every master is, and logs it once', () => {
    expect(started.sut.isReady).toBe(true);
    expect(started.logger.lines).toEqual([
      'info Redis connected: shared cache, rate limits and conversations',
    ]);
  });

  it('runs scripts with keys and arguments on the master of their slot, by eval then evalSha', async () => {
    const client = started.sut.client;
    const sha = createHash('sha1').update(COUNT_SCRIPT).digest('hex');

    for (let i = 0; i < 12; i++) {
      const key = `{rate:${randomUUID()}}:hits`;
      expect(await client?.eval(COUNT_SCRIPT, { keys: [key], arguments: ['1'] })).toBe(1);
      expect(await client?.evalSha(sha, { keys: [key], arguments: ['2'] })).toBe(3);
    }
  });

  it('answers PING', async () => {
    expect(await started.sut.client?.ping()).toBe('PONG');
  });
});

describe('RedisConnection when no cluster node answers at start-up', () => {
  it('starts within about 2 s, then finds the cluster once its nodes are back', async () => {
    const cluster = await RedisTestCluster.start();
    await cluster.stopNodes();
    const startedAt = Date.now();
    const { sut, moduleRef } = await startConnection({
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    });

    try {
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      expect(sut.isReady).toBe(false);

      await cluster.startNodes();
      await cluster.untilStateOk();
      await until('the connection to find the cluster', () => sut.isReady);
      expect(await sut.client?.ping()).toBe('PONG');
    } finally {
      await moduleRef.close();
      await cluster.stop();
    }
  }, 60_000);
});

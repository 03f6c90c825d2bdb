import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expectError } from './support/error-shape';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisTestCluster } from './support/redis-server';
import { providerEnv, startTestApp, type TestApp } from './support/test-app';

type Headers = Record<string, string>;

let clients = 0;
/** Each test is its own client, with its own budget of RATE_LIMIT_REQUESTS. */
const aClient = (): Headers => ({ 'X-Forwarded-For': `192.0.2.${++clients}` });

function chat(app: TestApp, body: Record<string, unknown>, client: Headers) {
  return request(app.url).post('/api/v1/chat').set(client).send(body);
}

describe('Two replicas sharing a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisTestCluster;
  let provider: FakeOpenAiServer;
  let a: TestApp | undefined;
  let b: TestApp | undefined;

  beforeAll(async () => {
    [cluster, provider] = await Promise.all([RedisTestCluster.start(), FakeOpenAiServer.start()]);
    const env = {
      ...providerEnv(provider.baseUrl),
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      ENABLE_CACHE: 'true',
      TRUST_PROXY: 'true',
      RATE_LIMIT_REQUESTS: '5',
      RATE_LIMIT_WINDOW: '60',
    };
    a = await startTestApp(env);
    b = await startTestApp(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([cluster?.stop(), provider?.close()]);
  });
  beforeEach(() => provider.reset());

  const replicas = (): [TestApp, TestApp] => {
    if (!a || !b) throw new Error('the replicas did not start');
    return [a, b];
  };

  it('is ready, with redis up', async () => {
    for (const app of replicas()) {
      const res = await request(app.url).get('/health/ready').expect(200);
      expect(res.body.info).toMatchObject({ redis: { status: 'up' } });
    }
  });

  it('continues one conversation across both replicas', async () => {
    const [first, second] = replicas();
    const client = aClient();
    provider.enqueue({ kind: 'reply', content: 'A1' }, { kind: 'reply', content: 'A2' });
    const opened = await chat(first, { message: 'Q1', system_prompt: 'Be brief.' }, client);
    const id = opened.body.conversation_id as string;

    await chat(second, { message: 'Q2', conversation_id: id }, client).expect(200);

    expect(provider.requests[1]?.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    const stored = await request(first.url).get(`/api/v1/conversations/${id}`).set(client);
    expect(stored.status).toBe(200);
    expect(stored.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'Q1',
      'A1',
      'Q2',
      'A2',
    ]);
  });

  it('answers on one replica from what the other cached', async () => {
    const [first, second] = replicas();
    const message = `Cached in the cluster ${randomUUID()}`;

    const miss = await chat(first, { message }, aClient()).expect(200);
    const hit = await chat(second, { message }, aClient()).expect(200);

    expect(miss.headers['x-cache']).toBe('MISS');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toMatchObject({ message: miss.body.message, cached: true, cost_estimate: 0 });
    expect(provider.callCount).toBe(1);
  });

  it('lets exactly 5 requests of a client through across both replicas, then answers 429', async () => {
    const [first, second] = replicas();
    const client = aClient();
    for (const [i, app] of [first, first, first, second, second].entries()) {
      await chat(app, { message: `Budget question ${i}` }, client).expect(200);
    }

    const res = await chat(first, { message: 'One too many' }, client);

    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expectError(res, 429, 'rate_limit_exceeded', { retry_after: retryAfter });
    expect(provider.callCount).toBe(5);
  });
});

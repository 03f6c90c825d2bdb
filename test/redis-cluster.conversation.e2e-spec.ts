import { randomUUID } from 'node:crypto';
import { createCluster, type RedisClusterType } from '@redis/client';
import type { ConversationConfig } from '../src/config/conversation.config';
import { RedisConversationStore } from '../src/conversation/redis-conversation.store';
import { aTurn } from './factories/conversation-turn.factory';
import { RedisTestCluster } from './support/redis-server';

const PREFIX = 'test:';
const config: ConversationConfig = {
  maxMessages: 200,
  ttlSeconds: 600,
  maxCount: 1000,
  maxBytes: 1024 * 1024,
};

async function aClusterClient(cluster: RedisTestCluster): Promise<RedisClusterType> {
  const client: RedisClusterType = createCluster({
    rootNodes: cluster.nodes.map((node) => ({ url: `redis://${node}` })),
    defaults: { disableOfflineQueue: true },
    commandOptions: { timeout: 1000 },
  });
  // Failures reach the caller through rejected commands; the event would only log them.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('RedisConversationStore on Redis Cluster', () => {
  let cluster: RedisTestCluster | undefined;
  let clients: RedisClusterType[] = [];
  let sut: RedisConversationStore;

  beforeAll(async () => {
    cluster = await RedisTestCluster.start();
    clients = [await aClusterClient(cluster), await aClusterClient(cluster)];
    sut = new RedisConversationStore(clients[0] as RedisClusterType, config, PREFIX);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.stop();
  });

  it('appends, finds and deletes conversations whose keys land on different masters', async () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());

    for (const id of ids) {
      await sut.appendTurn(id, aTurn({ text: id, systemPrompt: 'Be brief.' }));
      await sut.appendTurn(id, aTurn({ text: `${id} again`, cost: null }));
    }

    const first = clients[0] as RedisClusterType;
    const keysPerMaster = await Promise.all(
      first.masters.map(async (master) => (await first.nodeClient(master)).dbSize()),
    );
    expect(keysPerMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
    for (const id of ids) {
      const found = await sut.find(id);
      expect(found).toMatchObject({ systemPrompt: 'Be brief.', totalTokens: 20, totalCost: null });
      expect(found?.messages.map((message) => message.content)).toEqual([
        `Q: ${id}`,
        `A: ${id}`,
        `Q: ${id} again`,
        `A: ${id} again`,
      ]);
      expect(await sut.delete(id)).toBe(true);
      expect(await sut.find(id)).toBeUndefined();
    }
  });

  it('keeps every concurrent turn sent through two cluster clients', async () => {
    const [first, second] = clients.map(
      (client) => new RedisConversationStore(client, config, PREFIX),
    ) as [RedisConversationStore, RedisConversationStore];
    const ids = [randomUUID(), randomUUID(), randomUUID()];

    await Promise.all(
      ids.flatMap((id) =>
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? first : second).appendTurn(
            id,
            aTurn({ text: `${i}`, tokens: 1, cost: 0.0025 }),
          ),
        ),
      ),
    );

    for (const id of ids) {
      const found = await sut.find(id);
      expect(found?.messages).toHaveLength(40);
      expect(found?.totalTokens).toBe(20);
      expect(found?.totalCost).toBe(0.05);
    }
  });
});

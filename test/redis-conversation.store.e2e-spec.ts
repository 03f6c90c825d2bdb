import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import type { ConversationConfig } from '../src/config/conversation.config';
import { applyTurn } from '../src/conversation/conversation-turn';
import {
  ConversationNotFoundError,
  StoreUnavailableError,
} from '../src/conversation/conversation.errors';
import type { Conversation } from '../src/conversation/conversation.store';
import { RedisConversationStore } from '../src/conversation/redis-conversation.store';
import { aTurn } from './factories/conversation-turn.factory';
import { RedisTestServer } from './support/redis-server';

const PREFIX = 'test:';
const config: ConversationConfig = {
  maxMessages: 4,
  ttlSeconds: 600,
  maxCount: 1000,
  maxBytes: 1024 * 1024,
};

/** Fails fast while Redis is away, as the service's connection does. */
async function aClient(server: RedisTestServer): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url: server.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1000 },
    socket: { reconnectStrategy: 100 },
  });
  // Failures reach the caller through rejected commands; the event would only log them.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function ready(client: RedisClientType): Promise<void> {
  if (!client.isReady) await new Promise((resolve) => client.once('ready', resolve));
}

describe('RedisConversationStore', () => {
  let server: RedisTestServer;
  let client: RedisClientType;
  let sut: RedisConversationStore;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    client = await aClient(server);
    sut = new RedisConversationStore(client, config, PREFIX);
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  it('creates a new conversation with the turn', async () => {
    const id = randomUUID();
    const turn = aTurn({ systemPrompt: 'Be brief.', tokens: 12, cost: 0.0025 });

    const created = await sut.appendTurn(id, turn);

    const expected: Conversation = {
      id,
      ownerId: 'key-1',
      systemPrompt: 'Be brief.',
      messages: turn.messages,
      totalTokens: 12,
      totalCost: 0.0025,
      createdAt: turn.at,
      updatedAt: turn.at,
    };
    expect(created).toEqual(expected);
    expect(await sut.find(id)).toEqual(expected);
  });

  it('finds nothing for an unknown id', async () => {
    expect(await sut.find(randomUUID())).toBeUndefined();
  });

  it('keeps a conversation without owner or system prompt as nulls', async () => {
    const id = randomUUID();

    await sut.appendTurn(id, aTurn({ ownerId: null }));

    expect(await sut.find(id)).toMatchObject({ ownerId: null, systemPrompt: null });
  });

  it('keeps only the last maxMessages messages, in order', async () => {
    const id = randomUUID();
    const turns = [aTurn({ text: 'one' }), aTurn({ text: 'two' }), aTurn({ text: 'three' })];

    for (const turn of turns) await sut.appendTurn(id, turn);

    const found = await sut.find(id);
    expect(found?.messages.map((message) => message.content)).toEqual([
      'Q: two',
      'A: two',
      'Q: three',
      'A: three',
    ]);
    expect(found?.createdAt).toBe(turns[0]?.at);
    expect(found?.updatedAt).toBe(turns[2]?.at);
  });

  it('stores the system prompt and replaces it only when a turn gives one', async () => {
    const id = randomUUID();

    await sut.appendTurn(id, aTurn({ systemPrompt: 'First.' }));
    expect((await sut.appendTurn(id, aTurn())).systemPrompt).toBe('First.');
    expect((await sut.appendTurn(id, aTurn({ systemPrompt: 'Second.' }))).systemPrompt).toBe(
      'Second.',
    );
    expect((await sut.find(id))?.systemPrompt).toBe('Second.');
  });

  it('sums tokens and cost, and the cost stays null after an unpriced turn', async () => {
    const id = randomUUID();

    await sut.appendTurn(id, aTurn({ tokens: 5, cost: 0.1 }));
    expect(await sut.appendTurn(id, aTurn({ tokens: 7, cost: 0.2 }))).toMatchObject({
      totalTokens: 12,
      totalCost: 0.3,
    });
    expect(await sut.appendTurn(id, aTurn({ tokens: 1, cost: null }))).toMatchObject({
      totalTokens: 13,
      totalCost: null,
    });
    expect(await sut.appendTurn(id, aTurn({ tokens: 2, cost: 0.5 }))).toMatchObject({
      totalTokens: 15,
      totalCost: null,
    });
  });

  it('rounds the cost total exactly as applyTurn does, exact ties included', async () => {
    const id = randomUUID();
    // 1/2048 = 0.00048828125 is an exact tie at the 10th decimal; toFixed rounds it up.
    const costs = [1 / 2048, 0.1, 0.2, 3 / 2048, 1e-7, 2e-11, 0.000123456789123];
    let expected: Conversation | undefined;

    for (const cost of costs) {
      const turn = aTurn({ cost });
      expected = applyTurn(id, expected, turn, config.maxMessages);
      expect((await sut.appendTurn(id, turn)).totalCost).toBe(expected.totalCost);
    }
  });

  it('refuses a turn from another owner with ConversationNotFoundError and changes nothing', async () => {
    const id = randomUUID();
    await sut.appendTurn(id, aTurn({ ownerId: 'key-1' }));
    const before = await sut.find(id);

    await expect(
      sut.appendTurn(id, aTurn({ ownerId: 'key-2', systemPrompt: 'Hijack.' })),
    ).rejects.toBeInstanceOf(ConversationNotFoundError);
    await expect(sut.appendTurn(id, aTurn({ ownerId: null }))).rejects.toBeInstanceOf(
      ConversationNotFoundError,
    );

    expect(await sut.find(id)).toEqual(before);
  });

  it('keeps every one of 50 concurrent turns sent through two clients', async () => {
    const other = await aClient(server);
    const wide = { ...config, maxMessages: 200 };
    const first = new RedisConversationStore(client, wide, PREFIX);
    const second = new RedisConversationStore(other, wide, PREFIX);
    const id = randomUUID();

    try {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? first : second).appendTurn(
            id,
            aTurn({ text: `${i}`, tokens: i + 1, cost: 0.0025 }),
          ),
        ),
      );

      const found = await first.find(id);
      expect(found?.messages).toHaveLength(100);
      expect(found?.totalTokens).toBe((50 * 51) / 2);
      expect(found?.totalCost).toBe(0.125);
      const contents = found?.messages.map((message) => message.content) ?? [];
      const questions = contents.filter((content) => content.startsWith('Q: '));
      expect(new Set(questions).size).toBe(50);
      // Each answer directly follows its question: turns never interleave.
      questions.forEach((question, i) => {
        expect(contents[2 * i]).toBe(question);
        expect(contents[2 * i + 1]).toBe(question.replace('Q: ', 'A: '));
      });
    } finally {
      other.destroy();
    }
  });

  it('stores both keys under the prefix with the TTL set', async () => {
    const id = randomUUID();

    await sut.appendTurn(id, aTurn());

    const hash = `${PREFIX}{conv:${id}}`;
    const messages = `${hash}:messages`;
    expect((await client.keys(`${PREFIX}*${id}*`)).sort()).toEqual([hash, messages]);
    for (const key of [hash, messages]) {
      const ttl = await client.pTTL(key);
      expect(ttl).toBeGreaterThan((config.ttlSeconds - 5) * 1000);
      expect(ttl).toBeLessThanOrEqual(config.ttlSeconds * 1000);
    }
  });

  it('deletes both keys and answers false for an unknown conversation', async () => {
    const id = randomUUID();
    await sut.appendTurn(id, aTurn());

    expect(await sut.delete(id)).toBe(true);

    expect(await client.exists([`${PREFIX}{conv:${id}}`, `${PREFIX}{conv:${id}}:messages`])).toBe(
      0,
    );
    expect(await sut.find(id)).toBeUndefined();
    expect(await sut.delete(id)).toBe(false);
  });

  it('rejects with StoreUnavailableError after about 1 s while Redis holds its replies', async () => {
    await client.sendCommand(['CLIENT', 'PAUSE', '2000', 'ALL']);

    const started = Date.now();
    await expect(sut.find(randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(1500);

    // The pause lapses before this answer comes.
    expect(await client.ping()).toBe('PONG');
  });

  it('rejects with StoreUnavailableError quickly while Redis is down, and works again after a restart', async () => {
    const id = randomUUID();
    await server.stop();

    const started = Date.now();
    const failure = sut.find(id).catch((error: unknown) => error);
    await expect(failure).resolves.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(((await failure) as StoreUnavailableError).cause).toBeInstanceOf(Error);
    await expect(sut.appendTurn(id, aTurn())).rejects.toBeInstanceOf(StoreUnavailableError);

    await server.restart();
    await ready(client);

    const turn = aTurn();
    await sut.appendTurn(id, turn);
    expect((await sut.find(id))?.messages).toEqual(turn.messages);
  });
});

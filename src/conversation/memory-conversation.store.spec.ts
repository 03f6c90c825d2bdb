import { setTimeout as sleep } from 'node:timers/promises';
import { ConversationNotFoundError, StoreUnavailableError } from './conversation.errors';
import type { Conversation, ConversationMessage, ConversationTurn } from './conversation.store';
import { approximateBytes, MemoryConversationStore } from './memory-conversation.store';

function aTurn(overrides: Partial<ConversationTurn> = {}, n = 1): ConversationTurn {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    ownerId: null,
    messages: [
      { role: 'user', content: `question ${n}`, timestamp: at },
      { role: 'assistant', content: `answer ${n}`, timestamp: at },
    ],
    tokens: 10,
    cost: 0.001,
    at,
    ...overrides,
  };
}

function conversationWith(
  messages: readonly ConversationMessage[],
  systemPrompt: string | null = null,
): Conversation {
  return {
    id: 'c',
    ownerId: null,
    systemPrompt,
    messages,
    totalTokens: 0,
    totalCost: 0,
    createdAt: 't',
    updatedAt: 't',
  };
}

const settings = { maxMessages: 4, ttlSeconds: 3600, maxCount: 3, maxBytes: 1024 * 1024 };

describe('MemoryConversationStore', () => {
  it('keeps the last maxMessages messages with running totals', async () => {
    const sut = new MemoryConversationStore(settings);
    for (const n of [1, 2, 3]) await sut.appendTurn('c', aTurn({}, n));

    const conversation = await sut.find('c');

    expect(conversation?.messages.map((m) => m.content)).toEqual([
      'question 2',
      'answer 2',
      'question 3',
      'answer 3',
    ]);
    expect(conversation?.totalTokens).toBe(30);
    expect(conversation?.totalCost).toBe(0.003);
    expect(conversation?.createdAt).toBe(aTurn({}, 1).at);
    expect(conversation?.updatedAt).toBe(aTurn({}, 3).at);
  });

  it('keeps at most maxCount conversations, dropping the least recently used', async () => {
    const sut = new MemoryConversationStore(settings);
    for (const id of ['a', 'b', 'c']) await sut.appendTurn(id, aTurn());
    await sut.find('a');

    await sut.appendTurn('d', aTurn());

    expect(sut.size).toBe(3);
    expect(await sut.find('b')).toBeUndefined();
    expect(await sut.find('a')).toBeDefined();
  });

  it('forgets a conversation CONVERSATION_TTL after its last turn', async () => {
    const sut = new MemoryConversationStore({ ...settings, ttlSeconds: 1 });
    await sut.appendTurn('c', aTurn());

    await sleep(1100);

    expect(await sut.find('c')).toBeUndefined();
  });

  it("refuses a turn on another owner's conversation and leaves it unchanged", async () => {
    const sut = new MemoryConversationStore(settings);
    await sut.appendTurn('c', aTurn({ ownerId: 'key-a' }));

    await expect(sut.appendTurn('c', aTurn({ ownerId: 'key-b' }, 2))).rejects.toBeInstanceOf(
      ConversationNotFoundError,
    );
    expect((await sut.find('c'))?.messages).toHaveLength(2);
  });

  it('replaces the system prompt only when a turn gives one, and total cost turns null once unpriced', async () => {
    const sut = new MemoryConversationStore(settings);
    await sut.appendTurn('c', aTurn({ systemPrompt: 'first' }, 1));
    await sut.appendTurn('c', aTurn({ cost: null }, 2));
    const updated = await sut.appendTurn('c', aTurn({}, 3));

    expect(updated.systemPrompt).toBe('first');
    expect(updated.totalCost).toBeNull();
  });

  it('deletes a conversation and says whether it existed', async () => {
    const sut = new MemoryConversationStore(settings);
    await sut.appendTurn('c', aTurn());

    expect(await sut.delete('c')).toBe(true);
    expect(await sut.delete('c')).toBe(false);
  });

  it('drops the least recently used conversations once their bytes pass maxBytes', async () => {
    const big = 'x'.repeat(10_000);
    const bigTurn = (n: number) =>
      aTurn(
        {
          messages: [
            { role: 'user', content: big, timestamp: 't' },
            { role: 'assistant', content: big, timestamp: 't' },
          ],
        },
        n,
      );
    const oneConversation = approximateBytes(conversationWith(bigTurn(1).messages));
    // Room for two such conversations, not three; the count bound is far away.
    const sut = new MemoryConversationStore({
      ...settings,
      maxCount: 1000,
      maxBytes: Math.floor(2.5 * oneConversation),
    });
    for (const id of ['a', 'b', 'c']) await sut.appendTurn(id, bigTurn(1));

    expect(await sut.find('a')).toBeUndefined();
    expect(await sut.find('b')).toBeDefined();
    expect(await sut.find('c')).toBeDefined();
    expect(sut.size).toBe(2);
  });

  it('refuses a turn that would make one conversation bigger than maxBytes, and keeps its history', async () => {
    const sut = new MemoryConversationStore({ ...settings, maxBytes: 4096 });
    await sut.appendTurn('c', aTurn());
    const tooBig = 'x'.repeat(4096);

    await expect(
      sut.appendTurn(
        'c',
        aTurn(
          {
            messages: [
              { role: 'user', content: tooBig, timestamp: 't' },
              { role: 'assistant', content: 'ok', timestamp: 't' },
            ],
          },
          2,
        ),
      ),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await sut.find('c'))?.messages.map((m) => m.content)).toEqual([
      'question 1',
      'answer 1',
    ]);
  });

  it('grows by two bytes per character of content', () => {
    const short = conversationWith(aTurn().messages, 'ab');
    const longer = conversationWith(aTurn().messages, 'abcdef');
    expect(approximateBytes(longer) - approximateBytes(short)).toBe(8);
  });
});

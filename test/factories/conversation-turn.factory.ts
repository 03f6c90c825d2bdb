import type { ConversationTurn } from '../../src/conversation/conversation.store';

let clock = Date.parse('2025-01-01T00:00:00.000Z');

/** A question and its answer about `text`; each turn is one second after the previous one. */
export function aTurn(
  overrides: Partial<ConversationTurn> & { text?: string } = {},
): ConversationTurn {
  const { text = 'hello', ...rest } = overrides;
  clock += 1000;
  const at = new Date(clock).toISOString();
  return {
    ownerId: 'key-1',
    messages: [
      { role: 'user', content: `Q: ${text}`, timestamp: at },
      { role: 'assistant', content: `A: ${text}`, timestamp: at },
    ],
    tokens: 10,
    cost: 0.001,
    at,
    ...rest,
  };
}

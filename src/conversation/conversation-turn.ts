import type { Conversation, ConversationTurn } from './conversation.store';

/**
 * The conversation after `turn`: the pure rule every store applies atomically
 * (the Redis store runs the same rule in a script).
 */
export function applyTurn(
  id: string,
  existing: Conversation | undefined,
  turn: ConversationTurn,
  maxMessages: number,
): Conversation {
  const messages = [...(existing?.messages ?? []), ...turn.messages];
  const previousCost = existing ? existing.totalCost : 0;
  return {
    id,
    ownerId: existing?.ownerId ?? turn.ownerId,
    systemPrompt: turn.systemPrompt ?? existing?.systemPrompt ?? null,
    messages: messages.slice(-maxMessages),
    totalTokens: (existing?.totalTokens ?? 0) + turn.tokens,
    totalCost:
      previousCost === null || turn.cost === null
        ? null
        : Number((previousCost + turn.cost).toFixed(10)),
    createdAt: existing?.createdAt ?? turn.at,
    updatedAt: turn.at,
  };
}

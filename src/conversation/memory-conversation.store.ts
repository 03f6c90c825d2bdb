import { LRUCache } from 'lru-cache';
import type { ConversationConfig } from '../config/conversation.config';
import { applyTurn } from './conversation-turn';
import { ConversationNotFoundError, StoreUnavailableError } from './conversation.errors';
import { ConversationStore, type Conversation, type ConversationTurn } from './conversation.store';

/** Per message and per conversation: timestamps, roles and the objects holding them. */
const MESSAGE_OVERHEAD_BYTES = 128;
const CONVERSATION_OVERHEAD_BYTES = 256;

/** What a conversation holds in memory, near enough: strings count two bytes per character. */
export function approximateBytes(conversation: Conversation): number {
  let characters = conversation.systemPrompt?.length ?? 0;
  for (const message of conversation.messages) characters += message.content.length;
  return (
    CONVERSATION_OVERHEAD_BYTES +
    2 * characters +
    MESSAGE_OVERHEAD_BYTES * conversation.messages.length
  );
}

/**
 * One process's conversations, bounded in count, in bytes (least recently used
 * go first) and in age. Updates are synchronous, so concurrent turns cannot
 * interleave.
 */
export class MemoryConversationStore extends ConversationStore {
  private readonly conversations: LRUCache<string, Conversation>;

  constructor(private readonly config: ConversationConfig) {
    super();
    this.conversations = new LRUCache({
      max: config.maxCount,
      maxSize: config.maxBytes,
      ttl: config.ttlSeconds * 1000,
    });
  }

  find(id: string): Promise<Conversation | undefined> {
    return Promise.resolve(this.conversations.get(id));
  }

  appendTurn(id: string, turn: ConversationTurn): Promise<Conversation> {
    const existing = this.conversations.get(id);
    if (existing && existing.ownerId !== turn.ownerId) {
      return Promise.reject(new ConversationNotFoundError());
    }
    const updated = applyTurn(id, existing, turn, this.config.maxMessages);
    const size = approximateBytes(updated);
    // One conversation bigger than the whole budget cannot be kept: refuse the turn, keep the history.
    if (size > this.config.maxBytes) {
      return Promise.reject(
        new StoreUnavailableError({
          cause: new Error(`conversation ${id} would be larger than CONVERSATION_MAX_BYTES`),
        }),
      );
    }
    this.conversations.set(id, updated, { size });
    return Promise.resolve(updated);
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.conversations.delete(id));
  }

  get size(): number {
    return this.conversations.size;
  }
}

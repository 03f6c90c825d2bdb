import { LRUCache } from 'lru-cache';
import type { ConversationConfig } from '../config/conversation.config';
import { applyTurn } from './conversation-turn';
import { ConversationNotFoundError } from './conversation.errors';
import { ConversationStore, type Conversation, type ConversationTurn } from './conversation.store';

/**
 * One process's conversations, bounded in count (least recently used go first)
 * and in age. Updates are synchronous, so concurrent turns cannot interleave.
 */
export class MemoryConversationStore extends ConversationStore {
  private readonly conversations: LRUCache<string, Conversation>;

  constructor(private readonly config: ConversationConfig) {
    super();
    this.conversations = new LRUCache({ max: config.maxCount, ttl: config.ttlSeconds * 1000 });
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
    this.conversations.set(id, updated);
    return Promise.resolve(updated);
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.conversations.delete(id));
  }

  get size(): number {
    return this.conversations.size;
  }
}

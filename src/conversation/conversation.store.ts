export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
  timestamp: string;
}

export interface Conversation {
  id: string;
  /** The API key id that created it; null when the service runs without keys. */
  ownerId: string | null;
  systemPrompt: string | null;
  messages: readonly ConversationMessage[];
  totalTokens: number;
  /** Null once any turn was made with a model we have no price for. */
  totalCost: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One question and its answer, recorded together or not at all. */
export interface ConversationTurn {
  ownerId: string | null;
  /** Replaces the stored system prompt when given. */
  systemPrompt?: string;
  messages: readonly [ConversationMessage, ConversationMessage];
  tokens: number;
  cost: number | null;
  at: string;
}

/**
 * Where conversations live. `appendTurn` is atomic: concurrent turns on one
 * conversation are all kept, and the window trim never drops a fresh turn.
 */
export abstract class ConversationStore {
  abstract find(id: string): Promise<Conversation | undefined>;

  /** Throws ConversationNotFoundError when the conversation belongs to another owner. */
  abstract appendTurn(id: string, turn: ConversationTurn): Promise<Conversation>;

  abstract delete(id: string): Promise<boolean>;
}

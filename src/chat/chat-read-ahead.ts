import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { ResponseCache, type SharedEntryRead } from '../cache/response-cache';
import { callerOf } from '../common/auth/caller';
import type { AllConfig } from '../config/configuration';
import type { LlmConfig } from '../config/llm.config';
import type { Conversation } from '../conversation/conversation.store';
import { ConversationService } from '../conversation/conversation.service';
import type { ReadAheadSource } from '../redis/read-ahead';
import type { ChatRequestDto } from './dto/chat-request.dto';
import { llmRequestFor, type TurnInput } from './llm-request';

/**
 * Room for every valid chat body in plain UTF-8 (5,000 characters of message
 * and 1,000 of system prompt, at most 3 bytes each, and the other fields); a
 * bigger one is refused, or escapes its text, and is not worth hashing twice.
 */
const READ_AHEAD_MAX_BODY_BYTES = 32 * 1024;

/** Any other conversation_id fails validation, so reading it would only waste a round trip. */
const UUID_LENGTH = 36;

export interface ChatRoute {
  /** The route answers non-streaming requests, which the response cache may answer. */
  answersFromCache: boolean;
}

/** What was read for a chat request in the rate limiter's round trip. */
export interface ChatReadAheads {
  /** A later turn's stored conversation: its key is the body's conversation_id. */
  history?: { conversationId: string; conversation: Promise<Conversation | undefined> };
  /** A first turn's shared-cache entry: its key needs no stored history. */
  cacheEntry?: Promise<SharedEntryRead>;
}

const NOTHING_READ: ChatReadAheads = {};

/** Starts a chat request's first Redis read from its body, for the chat responder to take. */
@Injectable()
export class ChatReadAhead implements ReadAheadSource<ChatRoute> {
  private readonly defaults: LlmConfig;
  private readonly reads = new WeakMap<IncomingMessage, ChatReadAheads>();

  constructor(
    private readonly conversations: ConversationService,
    private readonly cache: ResponseCache,
    config: ConfigService<AllConfig, true>,
  ) {
    this.defaults = config.get('llm', { infer: true });
  }

  start(request: FastifyRequest, route: ChatRoute): void {
    // The body parser lets only JSON objects through.
    const body = request.body as Partial<Record<keyof ChatRequestDto, unknown>>;
    const reads =
      body.conversation_id === undefined
        ? this.firstTurnReads(request, body, route)
        : this.laterTurnReads(body.conversation_id);
    if (reads) this.reads.set(request.raw, reads);
  }

  readsFor(req: IncomingMessage): ChatReadAheads {
    return this.reads.get(req) ?? NOTHING_READ;
  }

  private laterTurnReads(conversationId: unknown): ChatReadAheads | undefined {
    const valid = typeof conversationId === 'string' && conversationId.length === UUID_LENGTH;
    if (!valid) return undefined;
    return {
      history: { conversationId, conversation: this.conversations.startFind(conversationId) },
    };
  }

  private firstTurnReads(
    request: FastifyRequest,
    body: Partial<Record<keyof ChatRequestDto, unknown>>,
    route: ChatRoute,
  ): ChatReadAheads | undefined {
    if (!route.answersFromCache || body.stream === true || !this.cache.isShared) return undefined;
    const declaredLength = Number(request.headers['content-length'] ?? Infinity);
    if (declaredLength > READ_AHEAD_MAX_BODY_BYTES) return undefined;
    const cacheEntry = this.cache.readAhead(
      llmRequestFor(body as TurnInput, this.defaults),
      callerOf(request.raw).keyId,
    );
    return cacheEntry && { cacheEntry };
  }
}

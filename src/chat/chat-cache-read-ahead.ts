import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { ResponseCache, type SharedEntryRead } from '../cache/response-cache';
import { ANONYMOUS, type RequestWithCaller } from '../common/auth/caller';
import type { AllConfig } from '../config/configuration';
import type { LlmConfig } from '../config/llm.config';
import type { ReadAheadSource } from '../redis/read-ahead';
import type { ChatRequestDto } from './dto/chat-request.dto';
import { llmRequestFor, type TurnInput } from './llm-request';

/**
 * Room for every valid chat body (5,000 characters of message and 1,000 of
 * system prompt, even escaped); a bigger one is refused or rare, and is not
 * worth hashing twice before validation.
 */
const READ_AHEAD_MAX_BODY_BYTES = 32 * 1024;

/**
 * Reads the shared-cache entry a non-streaming chat would be answered from,
 * when its key is known from the body alone: a turn without conversation_id
 * has no stored history to read first.
 */
@Injectable()
export class ChatCacheReadAhead implements ReadAheadSource {
  private readonly defaults: LlmConfig;
  private readonly reads = new WeakMap<IncomingMessage, Promise<SharedEntryRead>>();

  constructor(
    private readonly cache: ResponseCache,
    config: ConfigService<AllConfig, true>,
  ) {
    this.defaults = config.get('llm', { infer: true });
  }

  start(request: FastifyRequest): void {
    const turn = this.cache.isShared ? firstTurnOf(request) : undefined;
    if (!turn) return;
    const caller = (request.raw as RequestWithCaller).caller ?? ANONYMOUS;
    const read = this.cache.readAhead(llmRequestFor(turn, this.defaults), caller.keyId);
    if (read) this.reads.set(request.raw, read);
  }

  /** The read started for this request, if any. */
  readFor(req: IncomingMessage): Promise<SharedEntryRead> | undefined {
    return this.reads.get(req);
  }
}

/**
 * The body (always a JSON object by now) as a turn's input when it can be a
 * cached first turn; validation judges it later.
 */
function firstTurnOf(request: FastifyRequest): TurnInput | undefined {
  const declaredLength = Number(request.headers['content-length'] ?? Infinity);
  if (declaredLength > READ_AHEAD_MAX_BODY_BYTES) return undefined;
  const body = request.body as Partial<ChatRequestDto>;
  return body.conversation_id === undefined && body.stream !== true
    ? (body as TurnInput)
    : undefined;
}

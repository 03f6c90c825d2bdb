import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth/caller';
import { ConversationNotFoundError } from './conversation.errors';
import { ConversationStore, type Conversation, type ConversationTurn } from './conversation.store';
import { ConversationResponseDto } from './dto/conversation-response.dto';

/** Conversations as a caller may see them: another key's conversation does not exist for you. */
@Injectable()
export class ConversationService {
  constructor(private readonly store: ConversationStore) {}

  async findForCaller(id: string, caller: Caller): Promise<Conversation | undefined> {
    const conversation = await this.store.find(id);
    if (conversation && conversation.ownerId !== caller.keyId)
      throw new ConversationNotFoundError();
    return conversation;
  }

  async describe(id: string, caller: Caller): Promise<ConversationResponseDto> {
    const conversation = await this.findForCaller(id, caller);
    if (!conversation) throw new ConversationNotFoundError();
    return ConversationResponseDto.from(conversation);
  }

  async remove(id: string, caller: Caller): Promise<void> {
    const conversation = await this.findForCaller(id, caller);
    if (!conversation || !(await this.store.delete(id))) throw new ConversationNotFoundError();
  }

  recordTurn(id: string, turn: ConversationTurn): Promise<Conversation> {
    return this.store.appendTurn(id, turn);
  }
}

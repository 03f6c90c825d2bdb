import { DomainError } from '../common/errors/domain.error';

export class ConversationNotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor() {
    super('Conversation not found.');
  }
}

export class StoreUnavailableError extends DomainError {
  readonly code = 'store_unavailable';

  constructor(options?: { cause?: unknown }) {
    super('Conversation history is unavailable right now; try again shortly.', options);
  }
}

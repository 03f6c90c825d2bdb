import { DomainError } from '../errors/domain.error';

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';

  constructor() {
    super('A valid API key is required (Authorization: Bearer <key> or X-API-Key).');
  }
}

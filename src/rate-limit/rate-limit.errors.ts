import { DomainError } from '../common/errors/domain.error';

export class RateLimitExceededError extends DomainError {
  readonly code = 'rate_limit_exceeded';

  constructor(override readonly retryAfterSeconds: number) {
    super(`Rate limit exceeded; try again in ${retryAfterSeconds} s.`);
  }
}

import { DomainError } from '../common/errors/domain.error';

export class BudgetExceededError extends DomainError {
  readonly code = 'budget_exceeded';

  constructor(
    budget: 'tokens_per_day' | 'usd_per_month',
    override readonly retryAfterSeconds: number,
  ) {
    super(
      `This API key's ${budget} budget would be crossed by this request; it resets in ${retryAfterSeconds} s.`,
    );
  }
}

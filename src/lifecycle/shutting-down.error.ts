import { DomainError } from '../common/errors/domain.error';

/** Work cut short by the shutdown deadline; another replica can take the retry. */
export class ShuttingDownError extends DomainError {
  readonly code = 'upstream_unavailable';

  constructor() {
    super('This instance is shutting down and cut the answer short; retry the request.');
  }
}

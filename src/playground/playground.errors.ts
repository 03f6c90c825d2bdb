import { DomainError } from '../common/errors/domain.error';

/** A page file that does not exist, or any page while PLAYGROUND is off: as an unknown route. */
export class PageNotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor() {
    super('Not found.');
  }
}

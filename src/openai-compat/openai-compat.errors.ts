import { DomainError } from '../common/errors/domain.error';

/** A request OpenAI itself would refuse with 400 invalid_request_error; `param` names the field. */
export class InvalidWireRequestError extends DomainError {
  readonly code = 'bad_request';

  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export class ModelNotFoundError extends DomainError {
  readonly code = 'not_found';
  readonly param = 'model';

  constructor(model: string) {
    super(`The model \`${model}\` does not exist or you do not have access to it.`);
  }
}

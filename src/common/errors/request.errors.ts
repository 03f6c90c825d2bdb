import { DomainError, type FieldProblem } from './domain.error';

export class MalformedBodyError extends DomainError {
  readonly code = 'bad_request';
}

/** What Node's HTTP parser refused: a broken header or a body cut inside a chunk. */
export class MalformedRequestError extends DomainError {
  readonly code = 'bad_request';

  constructor() {
    super('The request is malformed and could not be read.');
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported_media_type';

  constructor() {
    super('The request body must be JSON (Content-Type: application/json, UTF-8, uncompressed).');
  }
}

export class RequestValidationError extends DomainError {
  readonly code = 'validation_error';

  constructor(override readonly details: readonly FieldProblem[]) {
    super('The request is not valid.');
  }
}

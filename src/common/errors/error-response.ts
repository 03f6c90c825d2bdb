import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, type FieldProblem } from './domain.error';
import { STATUS_BY_ERROR_CODE, type ErrorCode } from './error-code';

export interface ErrorDescription {
  status: number;
  error: ErrorCode;
  message: string;
  details?: readonly FieldProblem[];
  retryAfterSeconds?: number;
}

/** Errors Nest itself raises (an unknown route, say), by status. */
const CODE_BY_HTTP_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'bad_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'not_found',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'unsupported_media_type',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'validation_error',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limit_exceeded',
};

const GENERIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  bad_request: 'The request is malformed.',
  unauthorized: 'A valid API key is required.',
  not_found: 'Not found.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body must be JSON.',
  validation_error: 'The request is not valid.',
  rate_limit_exceeded: 'Too many requests; slow down.',
};

const INTERNAL: ErrorDescription = {
  status: 500,
  error: 'internal_error',
  message: 'Something went wrong on our side; the request id helps us find it.',
};

/** The contract's status, code and safe message for any error: the one place they are decided. */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof DomainError) {
    return {
      status: STATUS_BY_ERROR_CODE[error.code],
      error: error.code,
      message: error.message,
      details: error.details,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof HttpException) {
    const code = CODE_BY_HTTP_STATUS[error.getStatus()];
    if (code === undefined) return INTERNAL;
    return {
      status: STATUS_BY_ERROR_CODE[code],
      error: code,
      message: GENERIC_MESSAGES[code] ?? INTERNAL.message,
    };
  }
  return INTERNAL;
}

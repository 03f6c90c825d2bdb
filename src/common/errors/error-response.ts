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

/** Express's body parser and router fail with http-errors objects; their `type` says what went wrong. */
const CODE_BY_HTTP_ERROR_TYPE: Partial<Record<string, ErrorCode>> = {
  'entity.parse.failed': 'bad_request',
  'entity.too.large': 'payload_too_large',
  'request.aborted': 'bad_request',
  'request.size.invalid': 'bad_request',
  'charset.unsupported': 'unsupported_media_type',
  'encoding.unsupported': 'unsupported_media_type',
};

const GENERIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  bad_request: 'The request is malformed.',
  unauthorized: 'A valid API key is required.',
  not_found: 'Not found.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type:
    'The request body must be JSON (Content-Type: application/json, UTF-8, uncompressed).',
  validation_error: 'The request is not valid.',
  rate_limit_exceeded: 'Too many requests; slow down.',
};

const INTERNAL: ErrorDescription = {
  status: 500,
  error: 'internal_error',
  message: 'Something went wrong on our side; the request id helps us find it.',
};

function generic(code: ErrorCode): ErrorDescription {
  return {
    status: STATUS_BY_ERROR_CODE[code],
    error: code,
    message: GENERIC_MESSAGES[code] ?? INTERNAL.message,
  };
}

/** An http-errors object, as thrown by body-parser and Express's router; never a server bug. */
function httpErrorCode(error: unknown): ErrorCode | undefined {
  if (!(error instanceof Error)) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof type === 'string') return CODE_BY_HTTP_ERROR_TYPE[type];
  // A path with bad percent-encoding: the router's decodeURIComponent fails and Express marks it 400.
  return error instanceof URIError && status === 400 ? 'bad_request' : undefined;
}

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
    return code === undefined ? INTERNAL : generic(code);
  }
  const code = httpErrorCode(error);
  return code === undefined ? INTERNAL : generic(code);
}

/** The contract's error body for an error `describeError` described. */
export function errorBody(problem: ErrorDescription, requestId: string): Record<string, unknown> {
  return {
    error: problem.error,
    message: problem.message,
    request_id: requestId,
    ...(problem.details && { details: problem.details }),
    ...(problem.retryAfterSeconds !== undefined && { retry_after: problem.retryAfterSeconds }),
  };
}

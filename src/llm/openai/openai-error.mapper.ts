import { types } from 'node:util';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { DomainError } from '../../common/errors/domain.error';
import {
  ContextLengthExceededError,
  RequestAbortedError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../upstream.errors';

const CONTEXT_LENGTH_MESSAGE = /context length|context window|too many tokens|prompt is too long/i;

/** Milliseconds from `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function fromStatus(error: APIError): Error {
  const status = error.status ?? 0;
  if (status === 429) return new UpstreamRateLimitedError(retryAfterMs(error.headers));
  if (status === 408) return new UpstreamTimeoutError();
  if (status >= 500) {
    return new UpstreamUnavailableError(`The LLM provider failed (status ${status}).`, {
      cause: error,
    });
  }
  if (
    status === 400 &&
    (error.code === 'context_length_exceeded' || CONTEXT_LENGTH_MESSAGE.test(error.message))
  ) {
    return new ContextLengthExceededError({ cause: error });
  }
  return new UpstreamError(`The LLM provider rejected the request (status ${status}).`, {
    cause: error,
  });
}

/** fetch's error for a connection closed before the response was complete: undici's socket error, or its cause. */
function closedMidResponse(error: unknown): boolean {
  // Checked by code, not class: under jest the error may come from another realm.
  if (!types.isNativeError(error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  return code === 'UND_ERR_SOCKET' || closedMidResponse(error.cause);
}

/**
 * Turns whatever the SDK threw into one of our errors. The provider's own text
 * stays in `cause` (for the log), never in the message a caller sees.
 */
export function toUpstreamError(
  error: unknown,
  callerSignal: AbortSignal,
  attemptTimedOut: boolean,
): Error {
  if (callerSignal.aborted) return new RequestAbortedError();
  if (error instanceof DomainError) return error;
  if (attemptTimedOut || error instanceof APIConnectionTimeoutError) {
    return new UpstreamTimeoutError();
  }
  if (error instanceof APIUserAbortError) return new RequestAbortedError();
  if (error instanceof APIConnectionError) {
    return new UpstreamUnavailableError('The LLM provider could not be reached.', { cause: error });
  }
  if (error instanceof APIError) return fromStatus(error as APIError);
  if (closedMidResponse(error)) {
    return new UpstreamUnavailableError('The LLM provider closed the connection.', {
      cause: error,
    });
  }
  return new UpstreamError('The LLM provider sent an unusable response.', { cause: error });
}

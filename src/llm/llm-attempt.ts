import { DomainError } from '../common/errors/domain.error';
import { RequestAbortedError } from './upstream.errors';

/** One HTTP attempt at the provider; a request with retries makes several. */
export interface LlmAttempt {
  upstream: string;
  model: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** `ok`, or the error code the attempt ended with (`aborted` when the caller left). */
  outcome: string;
  durationMs: number;
}

export type LlmAttemptListener = (attempt: LlmAttempt) => void;

export function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  return error instanceof RequestAbortedError ? 'aborted' : 'internal_error';
}

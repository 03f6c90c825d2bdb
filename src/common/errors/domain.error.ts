import type { ErrorCode } from './error-code';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error a caller can be told about. The message is ours and safe to show;
 * `cause` keeps whatever produced it for the log only.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  readonly details?: readonly FieldProblem[];
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

import { DomainError } from '../common/errors/domain.error';

/** An upstream failure that another attempt may cure. */
export abstract class RetryableUpstreamError extends DomainError {
  /** How long the provider asked us to wait, when it said. */
  readonly retryAfterMs?: number;
}

export class UpstreamRateLimitedError extends RetryableUpstreamError {
  readonly code = 'upstream_rate_limited';
  override readonly retryAfterSeconds?: number;

  constructor(override readonly retryAfterMs?: number) {
    super('The LLM provider is rate limiting this service; try again later.');
    if (retryAfterMs !== undefined) this.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
  }
}

export class UpstreamTimeoutError extends RetryableUpstreamError {
  readonly code = 'upstream_timeout';

  constructor() {
    super('The LLM provider did not answer in time.');
  }
}

export class UpstreamUnavailableError extends RetryableUpstreamError {
  readonly code = 'upstream_unavailable';

  constructor(message = 'The LLM provider is unavailable.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class UpstreamError extends DomainError {
  readonly code = 'upstream_error';
}

export class ContextLengthExceededError extends DomainError {
  readonly code = 'context_length_exceeded';

  constructor(options?: { cause?: unknown }) {
    super("The conversation is too long for the model's context window.", options);
  }
}

/** The caller went away; there is nobody left to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('The client closed the request.');
    this.name = 'RequestAbortedError';
  }
}

/** Every upstream that could serve the request has its circuit open. */
export class CircuitOpenError extends DomainError {
  readonly code = 'upstream_unavailable';
  override readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    super('Every LLM upstream for this model is failing; try again later.');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

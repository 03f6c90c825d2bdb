import { DomainError } from './domain.error';
import type { ErrorDescription } from './error-response';
import type { ErrorCode } from './error-code';

/** OpenAI's `type` and `code` for the contract's codes, so the SDKs' typed errors behave as against OpenAI. */
const OPENAI_NAMES: Partial<Record<ErrorCode, { type: string; code: string }>> = {
  unauthorized: { type: 'invalid_request_error', code: 'invalid_api_key' },
  context_length_exceeded: { type: 'invalid_request_error', code: 'context_length_exceeded' },
  rate_limit_exceeded: { type: 'requests', code: 'rate_limit_exceeded' },
  budget_exceeded: { type: 'insufficient_quota', code: 'budget_exceeded' },
  upstream_rate_limited: { type: 'requests', code: 'rate_limit_exceeded' },
};

/** A route in OpenAI's own wire format answers errors in OpenAI's shape. */
export function speaksOpenAiWire(path: string): boolean {
  return path.startsWith('/v1/');
}

/** `{"error": {"message", "type", "param", "code"}}` for an error the contract describes as `problem`. */
export function openAiErrorBody(
  problem: ErrorDescription,
  error: unknown,
): { error: { message: string; type: string; param: string | null; code: string } } {
  const named = OPENAI_NAMES[problem.error];
  const param =
    error instanceof DomainError && 'param' in error && typeof error.param === 'string'
      ? error.param
      : (problem.details?.[0]?.field ?? null);
  const code =
    named?.code ??
    (problem.error === 'not_found' && param === 'model' ? 'model_not_found' : problem.error);
  return {
    error: {
      message: problem.message,
      type: named?.type ?? (problem.status >= 500 ? 'server_error' : 'invalid_request_error'),
      param,
      code,
    },
  };
}

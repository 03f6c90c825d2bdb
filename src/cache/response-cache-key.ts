import { hash } from 'node:crypto';
import type { LlmRequest } from '../llm/llm.provider';

/**
 * Everything that can change an answer, in a fixed order: the provider, the
 * model and parameters, the whole message list (system prompt and history
 * included) and the caller's key, so no answer is shared across API keys.
 */
export function responseCacheKey(
  provider: string,
  request: LlmRequest,
  ownerId: string | null,
): string {
  const canonical = JSON.stringify([
    1,
    provider,
    request.model,
    request.temperature,
    request.maxTokens,
    request.messages.map(({ role, content }) => [role, content]),
    ownerId,
  ]);
  return hash('sha256', canonical);
}

import {
  promptTokensAtMost,
  type SpendEstimator,
} from '../common/interceptors/spend-estimate.decorator';
import type { ChatRequestDto } from './dto/chat-request.dto';

/**
 * A chat turn's most: its question and system prompt, and max_tokens. A later
 * turn's stored history is read after the budget is reserved, so it is settled
 * at its real cost but not held beforehand.
 */
export const chatWorstCase: SpendEstimator = (body, defaults) => {
  const { message, system_prompt, model, max_tokens } = (body ?? {}) as Partial<
    Record<keyof ChatRequestDto, unknown>
  >;
  const text = `${typeof message === 'string' ? message : ''}${typeof system_prompt === 'string' ? system_prompt : ''}`;
  return {
    model: typeof model === 'string' ? model : defaults.model,
    promptTokens: promptTokensAtMost(text, 2),
    completionTokens: typeof max_tokens === 'number' ? max_tokens : defaults.maxTokens,
  };
};

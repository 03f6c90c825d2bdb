import type { LlmConfig } from '../config/llm.config';
import type { Conversation } from '../conversation/conversation.store';
import type { LlmMessage, LlmRequest } from '../llm/llm.provider';
import type { ChatRequestDto } from './dto/chat-request.dto';

type TurnInput = Pick<
  ChatRequestDto,
  'message' | 'system_prompt' | 'model' | 'temperature' | 'max_tokens'
>;

/**
 * What the provider is asked for one turn: the system prompt (this turn's,
 * else the conversation's), the stored history in order, then the question.
 */
export function llmRequestFor(
  turn: TurnInput,
  defaults: LlmConfig,
  history?: Pick<Conversation, 'systemPrompt' | 'messages'>,
): LlmRequest {
  const systemPrompt = turn.system_prompt ?? history?.systemPrompt;
  const messages: LlmMessage[] = [
    ...(systemPrompt ? [{ role: 'system' as const, content: systemPrompt }] : []),
    ...(history?.messages ?? []).map(({ role, content }) => ({ role, content })),
    { role: 'user', content: turn.message },
  ];
  return {
    // The DTO has checked a given model against OPENAI_ALLOWED_MODELS; the default is always allowed.
    model: turn.model ?? defaults.defaultModel,
    messages,
    temperature: turn.temperature ?? defaults.temperature,
    maxTokens: turn.max_tokens ?? defaults.maxTokens,
  };
}

import type { LlmRequest } from '../llm/llm.provider';
import { responseCacheKey } from './response-cache-key';

const PROVIDER = 'openai:http://127.0.0.1:1234/v1';

function aRequest(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ],
    temperature: 0.7,
    maxTokens: 1000,
    ...overrides,
  };
}

describe('responseCacheKey', () => {
  const base = responseCacheKey(PROVIDER, aRequest(), 'key-1');

  it('is a SHA-256 hex digest', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same key for the same input, built afresh', () => {
    expect(responseCacheKey(PROVIDER, aRequest(), 'key-1')).toBe(base);
  });

  it.each<[string, () => string]>([
    ['provider', () => responseCacheKey('openai:http://other/v1', aRequest(), 'key-1')],
    ['model', () => responseCacheKey(PROVIDER, aRequest({ model: 'gpt-4o' }), 'key-1')],
    ['temperature', () => responseCacheKey(PROVIDER, aRequest({ temperature: 0.2 }), 'key-1')],
    ['max tokens', () => responseCacheKey(PROVIDER, aRequest({ maxTokens: 999 }), 'key-1')],
    ['API key id', () => responseCacheKey(PROVIDER, aRequest(), 'key-2')],
    ['absence of an API key', () => responseCacheKey(PROVIDER, aRequest(), null)],
    [
      'system prompt',
      () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: aRequest().messages.map(withContent('system', 'Be long.')) }),
          'key-1',
        ),
    ],
    [
      'history',
      () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: aRequest().messages.map(withContent('assistant', 'A1!')) }),
          'key-1',
        ),
    ],
    [
      'new message',
      () =>
        responseCacheKey(
          PROVIDER,
          aRequest({
            messages: [...aRequest().messages.slice(0, -1), { role: 'user', content: 'Q3' }],
          }),
          'key-1',
        ),
    ],
    [
      'role of a message',
      () =>
        responseCacheKey(
          PROVIDER,
          aRequest({
            messages: [{ role: 'user', content: 'Be brief.' }, ...aRequest().messages.slice(1)],
          }),
          'key-1',
        ),
    ],
    [
      'order of the messages',
      () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: [...aRequest().messages].reverse() }),
          'key-1',
        ),
    ],
    [
      'length of the history',
      () =>
        responseCacheKey(PROVIDER, aRequest({ messages: aRequest().messages.slice(2) }), 'key-1'),
    ],
  ])('changes when the %s changes', (_field, keyOfVariant) => {
    expect(keyOfVariant()).not.toBe(base);
  });

  it('does not run message contents together', () => {
    const split = aRequest({
      messages: [
        { role: 'user', content: 'ab' },
        { role: 'user', content: 'c' },
      ],
    });
    const shifted = aRequest({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'bc' },
      ],
    });

    expect(responseCacheKey(PROVIDER, split, null)).not.toBe(
      responseCacheKey(PROVIDER, shifted, null),
    );
  });
});

function withContent(role: string, content: string) {
  return (message: LlmRequest['messages'][number]) =>
    message.role === role ? { ...message, content } : message;
}

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
  let base: string;

  beforeAll(async () => {
    base = await responseCacheKey(PROVIDER, aRequest(), 'key-1');
  });

  it('is a SHA-256 hex digest', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same key for the same input, built afresh', async () => {
    expect(await responseCacheKey(PROVIDER, aRequest(), 'key-1')).toBe(base);
  });

  it.each<[string, () => Promise<string>]>([
    ['provider', async () => responseCacheKey('openai:http://other/v1', aRequest(), 'key-1')],
    ['model', async () => responseCacheKey(PROVIDER, aRequest({ model: 'gpt-4o' }), 'key-1')],
    [
      'temperature',
      async () => responseCacheKey(PROVIDER, aRequest({ temperature: 0.2 }), 'key-1'),
    ],
    ['max tokens', async () => responseCacheKey(PROVIDER, aRequest({ maxTokens: 999 }), 'key-1')],
    ['API key id', async () => responseCacheKey(PROVIDER, aRequest(), 'key-2')],
    ['absence of an API key', async () => responseCacheKey(PROVIDER, aRequest(), null)],
    [
      'system prompt',
      async () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: aRequest().messages.map(withContent('system', 'Be long.')) }),
          'key-1',
        ),
    ],
    [
      'history',
      async () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: aRequest().messages.map(withContent('assistant', 'A1!')) }),
          'key-1',
        ),
    ],
    [
      'new message',
      async () =>
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
      async () =>
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
      async () =>
        responseCacheKey(
          PROVIDER,
          aRequest({ messages: [...aRequest().messages].reverse() }),
          'key-1',
        ),
    ],
    [
      'length of the history',
      async () =>
        responseCacheKey(PROVIDER, aRequest({ messages: aRequest().messages.slice(2) }), 'key-1'),
    ],
  ])('changes when the %s changes', async (_field, keyOfVariant) => {
    expect(await keyOfVariant()).not.toBe(base);
  });

  it('does not run message contents together', async () => {
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

    expect(await responseCacheKey(PROVIDER, split, null)).not.toBe(
      await responseCacheKey(PROVIDER, shifted, null),
    );
  });

  it('keeps a lone surrogate apart from the replacement character', async () => {
    const lone = aRequest({ messages: [{ role: 'user', content: 'x\ud800' }] });
    const replaced = aRequest({ messages: [{ role: 'user', content: 'x\ufffd' }] });

    expect(await responseCacheKey(PROVIDER, lone, null)).not.toBe(
      await responseCacheKey(PROVIDER, replaced, null),
    );
  });
});

describe('digesting a long request', () => {
  // 20 turns of long answers: 400,000 characters of history, 800 KB to digest.
  const longRequest = (lastQuestion = 'Q') =>
    aRequest({
      messages: [
        ...Array.from({ length: 20 }, (_, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: `${i} ${'long answer '.repeat(1_700)}`,
        })),
        { role: 'user', content: lastQuestion },
      ],
    });

  /** Whether `key` settles while only microtasks run, that is without the event loop turning. */
  async function settlesWithoutTheEventLoop(key: Promise<string>): Promise<boolean> {
    let settled = false;
    const done = key.then(() => (settled = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    const early = settled;
    await done;
    return early;
  }

  it('goes to the thread pool: the key is not ready until the event loop has turned', async () => {
    expect(await settlesWithoutTheEventLoop(responseCacheKey(PROVIDER, longRequest(), null))).toBe(
      false,
    );
  });

  it('is not worth the trip for a short request, which is digested at once', async () => {
    expect(await settlesWithoutTheEventLoop(responseCacheKey(PROVIDER, aRequest(), null))).toBe(
      true,
    );
  });

  it('still gives one key per request: the same afresh, another for another question', async () => {
    const key = await responseCacheKey(PROVIDER, longRequest(), null);

    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await responseCacheKey(PROVIDER, longRequest(), null)).toBe(key);
    expect(await responseCacheKey(PROVIDER, longRequest('Q?'), null)).not.toBe(key);
  });
});

function withContent(role: string, content: string) {
  return (message: LlmRequest['messages'][number]) =>
    message.role === role ? { ...message, content } : message;
}

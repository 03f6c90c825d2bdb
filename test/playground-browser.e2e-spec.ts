import type { Page } from 'playwright-core';
import {
  describeInBrowser,
  ensurePageBuilt,
  launchBrowser,
  withPage,
  type TestBrowser,
} from './support/browser';
import { ensureBuilt, startChildApp, type ChildApp } from './support/child-app';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { providerEnv } from './support/test-app';
import { waitUntil } from './support/wait-until';

const START_TIMEOUT_MS = 180_000;
const XSS = '<img src=x onerror=alert(1)>';

/** The built service on the fake provider; our own limit and cache stay out of the way. */
function serviceEnv(fake: FakeOpenAiServer, extra: Record<string, string> = {}) {
  return {
    ...providerEnv(fake.baseUrl),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OPENAI_ALLOWED_MODELS: 'gpt-4o-mini,gpt-4o',
    OPENAI_MAX_RETRIES: '0',
    ENABLE_CACHE: 'false',
    RATE_LIMIT_REQUESTS: '1000',
    ...extra,
  };
}

const turns = (page: Page) => page.locator('#transcript .turn');
const answerOf = (page: Page, turn: number) => turns(page).nth(turn).locator('.message.assistant');
const metaOf = (page: Page, turn: number) => turns(page).nth(turn).locator('.meta');

/** Opens the page and waits until the model list has loaded. */
async function openPage(page: Page, app: ChildApp): Promise<void> {
  await page.goto(`${app.url}/playground`);
  await page.locator('#model option').first().waitFor({ state: 'attached' });
}

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
}

/** Polls the first element matching `selector` until its text matches; returns that text. */
function waitForText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  const element = page.locator(selector).first();
  return waitUntil(
    `${selector} to read ${String(pattern)}`,
    async () => {
      const text = await element.textContent({ timeout: 50 }).catch(() => null);
      return text !== null && pattern.test(text) ? text : undefined;
    },
    10_000,
    10,
  );
}

/** Waits for the usage line of turn `index` (1-based for CSS). */
const waitForUsage = (page: Page, index: number) =>
  waitForText(page, `#transcript .turn:nth-of-type(${index}) .meta`, /tokens/);

/** The built service in front of a fake provider, and a browser, for the describe block it is called in. */
function playgroundRig(env: Record<string, string> = {}) {
  const rig = {} as { fake: FakeOpenAiServer; app: ChildApp; browser: TestBrowser };
  beforeAll(async () => {
    await ensureBuilt();
    await ensurePageBuilt();
    rig.fake = await FakeOpenAiServer.start();
    rig.app = await startChildApp(serviceEnv(rig.fake, env));
    rig.browser = await launchBrowser();
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await rig.browser?.close();
    await rig.app?.stop();
    await rig.fake?.close();
  });
  return rig;
}

describeInBrowser('The playground page in Chromium', () => {
  const rig = playgroundRig();
  beforeEach(() => rig.fake.reset());

  it('shows the first delta while the stream is still open, then the usage line', async () => {
    rig.fake.enqueue({
      kind: 'reply',
      content: 'Hello there world',
      chunks: ['Hello ', 'there ', 'world'],
      holdAfterChunks: 1,
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });
    await withPage(rig.browser, 'first delta', async (page) => {
      await openPage(page, rig.app);

      await sendMessage(page, 'Say hello');

      await waitForText(page, '#transcript .message.assistant', /^Hello $/);
      expect(rig.fake.heldCount).toBe(1);
      expect(await metaOf(page, 0).textContent()).toBe('Streaming…');
      expect(await page.locator('#stop').isEnabled()).toBe(true);
      rig.fake.release();
      const usage = await waitForUsage(page, 1);
      expect(usage).toMatch(
        /^gpt-4o-mini · 10 tokens \(7 in, 3 out\) · \$\d+\.\d{6} · not cached · first token \d+ ms$/,
      );
      expect(await answerOf(page, 0).textContent()).toBe('Hello there world');
      expect(await page.locator('#message').inputValue()).toBe('');
    });
  });

  it('sends the settings and keeps a Shift+Enter newline in the message', async () => {
    await withPage(rig.browser, 'settings', async (page) => {
      await openPage(page, rig.app);
      await page.locator('#model').selectOption('gpt-4o');
      await page.locator('#temperature').fill('0.3');
      await page.locator('#max-tokens').fill('50');
      await page.locator('#system-prompt').fill('Be brief.');
      await page.locator('#message').fill('line one');
      await page.locator('#message').press('Shift+Enter');
      await page.locator('#message').pressSequentially('line two');

      await page.locator('#message').press('Enter');

      await waitForUsage(page, 1);
      expect(await turns(page).nth(0).locator('.message.user').textContent()).toBe(
        'line one\nline two',
      );
      expect(rig.fake.requests[0]!.body).toMatchObject({
        model: 'gpt-4o',
        temperature: 0.3,
        max_tokens: 50,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'line one\nline two' },
        ],
      });
      expect(await metaOf(page, 0).textContent()).toMatch(/^gpt-4o · /);
    });
  });

  it('keeps the conversation across turns, as the API shows, and reopens it by id after a reload', async () => {
    await withPage(rig.browser, 'conversation', async (page) => {
      await openPage(page, rig.app);
      await sendMessage(page, 'first question');
      await waitForUsage(page, 1);
      await sendMessage(page, 'second question');
      await waitForUsage(page, 2);
      const id = (await page.locator('#conversation-id').textContent())!;

      const stored = (await (await fetch(`${rig.app.url}/api/v1/conversations/${id}`)).json()) as {
        messages: { role: string; content: string }[];
      };
      const expected = [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'echo: first question' },
        { role: 'user', content: 'second question' },
        { role: 'assistant', content: 'echo: second question' },
      ];
      expect(stored.messages.map(({ role, content }) => ({ role, content }))).toEqual(expected);

      await page.reload();
      await page.locator('#model option').first().waitFor({ state: 'attached' });
      expect(await turns(page).count()).toBe(0);
      expect(await page.locator('#conversation-id').textContent()).toBe('new');
      await page.locator('#open-id').fill(id);
      await page.locator('#open').click();

      await waitForText(page, '#conversation-id', new RegExp(`^${id}$`));
      const shown = await page.locator('#transcript .message').evaluateAll((nodes) =>
        nodes.map((node) => ({
          role: node.classList.contains('user') ? 'user' : 'assistant',
          content: node.textContent,
        })),
      );
      expect(shown).toEqual(expected);
      await sendMessage(page, 'third question');
      await waitForUsage(page, 3);
      expect(rig.fake.requests.at(-1)!.body.messages).toHaveLength(5);
    });
  });

  it('stops a stream with Stop, and the provider sees its request cancelled', async () => {
    rig.fake.enqueue({
      kind: 'reply',
      content: 'one two',
      chunks: ['one ', 'two'],
      holdAfterChunks: 1,
    });
    await withPage(rig.browser, 'stop', async (page) => {
      await openPage(page, rig.app);
      await sendMessage(page, 'count');
      await waitForText(page, '#transcript .message.assistant', /^one $/);

      await page.locator('#stop').click();

      await rig.fake.waitFor(() => rig.fake.abortCount === 1, 5000);
      await waitForText(page, '#transcript .meta', /^Stopped/);
      expect(await answerOf(page, 0).textContent()).toBe('one ');
      expect(await page.locator('#send').isEnabled()).toBe(true);
    });
  });

  it('shows a 429 in plain words with when to retry', async () => {
    rig.fake.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    await withPage(rig.browser, '429', async (page) => {
      await openPage(page, rig.app);

      await sendMessage(page, 'hello');

      const error = await waitForText(page, '#error', /Try again/);
      expect(error).toContain('Try again in 30 seconds (at ');
      expect(error).toContain('upstream_rate_limited, HTTP 429');
      expect(await page.locator('#error').isVisible()).toBe(true);
      expect(await metaOf(page, 0).textContent()).toBe('Not answered.');
    });
  });

  it('renders an answer holding HTML as text: no element made, no script run', async () => {
    rig.fake.enqueue({ kind: 'reply', content: XSS, chunks: ['<img src=x ', 'onerror=alert(1)>'] });
    await withPage(rig.browser, 'xss', async (page) => {
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await openPage(page, rig.app);

      await sendMessage(page, XSS);

      await waitForUsage(page, 1);
      expect(await answerOf(page, 0).textContent()).toBe(XSS);
      expect(await turns(page).nth(0).locator('.message.user').textContent()).toBe(XSS);
      expect(await page.locator('img').count()).toBe(0);
      await page.waitForTimeout(200);
      expect(dialogs).toEqual([]);
    });
  });

  it("fits a phone's width: nothing scrolls sideways", async () => {
    await withPage(rig.browser, 'phone', async (page) => {
      await page.setViewportSize({ width: 360, height: 740 });
      await openPage(page, rig.app);

      await sendMessage(page, 'x'.repeat(400));

      await waitForUsage(page, 1);
      expect(
        await page.evaluate<number>('document.documentElement.scrollWidth'),
      ).toBeLessThanOrEqual(360);
    });
  });
});

describeInBrowser('The playground page with API keys on', () => {
  const KEY = 'browser-test-key';
  const rig = playgroundRig({ API_KEYS: KEY });

  it('asks for the key, sends it as a bearer token, and keeps it in sessionStorage only', async () => {
    await withPage(rig.browser, 'api key', async (page) => {
      await page.goto(`${rig.app.url}/playground`);
      await waitForText(page, '#error', /A valid API key is required/);

      await page.locator('#api-key').fill(KEY);
      await page.locator('#api-key').press('Tab');
      await page.locator('#model option').first().waitFor({ state: 'attached' });
      await sendMessage(page, 'hello');
      await waitForUsage(page, 1);

      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(
        await page.evaluate<string | null>(`sessionStorage.getItem('llm-chat-api.api-key')`),
      ).toBe(KEY);
      expect(await page.evaluate<number>('localStorage.length')).toBe(0);
      expect(page.url()).not.toContain(KEY);
      expect(rig.fake.requests[0]!.headers.authorization).toBe('Bearer test-provider-key');
      await page.reload();
      await page.locator('#model option').first().waitFor({ state: 'attached' });
      expect(await page.locator('#api-key').inputValue()).toBe(KEY);
    });
  });
});

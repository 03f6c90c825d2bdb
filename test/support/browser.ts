import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs it when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let warned = false;

/** CI must never pass by skipping the browser: there, a missing Chromium fails the tests. */
const isCi = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * `describe` for browser tests: skipped with one loud line when Chromium is
 * absent on a developer's machine, failing when it is absent in CI.
 */
export function describeInBrowser(name: string, tests: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, tests);
  if (isCi()) {
    return describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(
          `${CHROMIUM} is missing; CI installs it with .ci/run (apt-get install chromium)`,
        );
      });
    });
  }
  if (!warned) {
    warned = true;
    console.warn(
      `\n!!! SKIPPED the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium); CI never skips them.\n`,
    );
  }
  describe.skip(name, tests);
}

/**
 * Compiles the page into dist/playground/page, as `npm run build` does; the
 * server half is built by ensureBuilt().
 */
export async function ensurePageBuilt(): Promise<void> {
  await promisify(execFile)('npm', ['run', '--silent', 'build:playground'], {
    cwd: ROOT,
    timeout: 60_000,
  });
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile of its own, removed again by close(). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'llm-chat-api-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1024, height: 768 },
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** Runs `test` on a new page; when it fails, leaves a screenshot in test/artifacts/ first. */
export async function withPage(
  browser: TestBrowser,
  name: string,
  test: (page: Page) => Promise<void>,
): Promise<void> {
  const page = await browser.context.newPage();
  try {
    await test(page);
  } catch (error) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 100)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw error;
  } finally {
    await page.close();
  }
}

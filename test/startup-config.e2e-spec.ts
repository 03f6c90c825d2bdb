import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionNodeFlags } from './support/production-start';

const ROOT = join(__dirname, '..');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  elapsedMs: number;
}

interface Service {
  child: ChildProcess;
  exited: Promise<Exit>;
}

/**
 * Builds into a private directory (with the repo's package.json and node_modules beside
 * it, as in the image) so that concurrent builds of ./dist cannot race this test.
 */
async function buildService(workDir: string): Promise<void> {
  await copyFile(join(ROOT, 'package.json'), join(workDir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  const outDir = join(workDir, 'dist');
  const args = ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir];
  const tsBuildInfo = ['--tsBuildInfoFile', join(outDir, '.tsbuildinfo')];
  await new Promise<void>((resolve, reject) => {
    execFile('npx', [...args, ...tsBuildInfo], { cwd: ROOT }, (error, stdout, stderr) => {
      // Type errors are the type check's business; only a missing build stops this test.
      if (!error || existsSync(join(outDir, 'main.js'))) resolve();
      else reject(new Error(`build failed: ${error.message}\n${stdout}${stderr}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

async function waitUntilLive(url: string, service: Service, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error('the service exited before it answered');
    try {
      return await fetch(url, { signal: AbortSignal.timeout(1000) });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('starting the built service (the production start command)', () => {
  let workDir: string;
  const running = new Set<ChildProcess>();

  /** Starts the service with exactly `env` (plus PATH): nothing leaks in from the test runner. */
  const start = (env: Record<string, string>): Service => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...productionNodeFlags(), join('dist', 'main.js')], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<Exit>((resolve) => {
      child.once('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal, output, elapsedMs: Date.now() - startedAt });
      });
    });
    return { child, exited };
  };

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'llm-chat-api-startup-'));
    await buildService(workDir);
  }, 60_000);

  afterEach(async () => {
    const left = [...running];
    for (const child of left) child.kill('SIGKILL');
    await Promise.all(left.map((child) => new Promise((resolve) => child.once('close', resolve))));
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it.each<[string, string, Record<string, string>]>([
    ['a port that is not a number', 'PORT', { PORT: 'abc' }],
    ['an unknown provider', 'LLM_PROVIDER', { LLM_PROVIDER: 'bogus' }],
    [
      'production without a provider key',
      'OPENAI_API_KEY',
      { NODE_ENV: 'production', API_KEYS: 'a-key' },
    ],
    ['production without API keys', 'API_KEYS', { NODE_ENV: 'production', LLM_PROVIDER: 'mock' }],
    ['a negative rate-limit window', 'RATE_LIMIT_WINDOW', { RATE_LIMIT_WINDOW: '-1' }],
  ])(
    'refuses to start with %s: exits non-zero with one line naming %s',
    async (_, variable, env) => {
      const exit = await start(env).exited;

      expect({ code: exit.code, lines: nonEmptyLines(exit.output) }).toEqual({
        code: expect.any(Number),
        lines: [expect.stringContaining(variable)],
      });
      expect(exit.code).not.toBe(0);
      expect(exit.elapsedMs).toBeLessThan(5000);
    },
    10_000,
  );

  it('refuses to start with several bad variables: exits 1 with one line naming each', async () => {
    const exit = await start({ PORT: 'abc', ENABLE_CACHE: 'perhaps', REDIS_URL: 'http://u:pw@r' })
      .exited;

    expect(exit.code).toBe(1);
    expect(nonEmptyLines(exit.output)).toEqual([
      'Invalid configuration: PORT must be an integer from 0 to 65535 (got "abc")',
      'REDIS_URL must be a redis: or rediss: URL',
      expect.stringMatching(/^ENABLE_CACHE .*"perhaps"/),
    ]);
  }, 10_000);

  it('refuses to start with a bad variable from the .env file, naming it in one line', async () => {
    const envFile = join(workDir, '.env');
    await writeFile(envFile, 'RATE_LIMIT_WINDOW=soon\n');
    try {
      const exit = await start({}).exited;

      expect(exit.code).toBe(1);
      expect(nonEmptyLines(exit.output)).toEqual([
        'Invalid configuration: RATE_LIMIT_WINDOW must be a number of seconds more than 0 (got "soon")',
      ]);
    } finally {
      await rm(envFile);
    }
  }, 10_000);

  it('starts with a good environment, answers /health/live, and exits on SIGTERM', async () => {
    const port = await freePort();
    const service = start({ PORT: String(port) });

    const res = await waitUntilLive(`http://127.0.0.1:${port}/health/live`, service, 10_000);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'healthy' });

    service.child.kill('SIGTERM');
    const exit = await service.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    // Without OPENAI_API_KEY it runs on the mock provider, and says so.
    expect(exit.output).toMatch(/mock/i);
  }, 20_000);

  it('starts in production without API keys when AUTH_DISABLED=true, with a warning', async () => {
    const port = await freePort();
    const service = start({
      PORT: String(port),
      NODE_ENV: 'production',
      LLM_PROVIDER: 'mock',
      AUTH_DISABLED: 'true',
    });

    const res = await waitUntilLive(`http://127.0.0.1:${port}/health/live`, service, 10_000);
    expect(res.status).toBe(200);
    service.child.kill('SIGTERM');
    const exit = await service.exited;

    expect(exit.output).toMatch(/"level":40,.*AUTH_DISABLED=true/);
  }, 20_000);
});

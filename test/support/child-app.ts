import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { productionNodeFlags } from './production-start';
import { waitUntil } from './wait-until';

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
export const BUILT_MAIN = join(DIST, 'main.js');

const BUILD_TIMEOUT_MS = 60_000;
const LOCK = join(tmpdir(), `llm-chat-api-build-${hashOf(ROOT)}.lock`);
const STALE_LOCK_MS = 2 * BUILD_TIMEOUT_MS;

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Fresh when every source file has an output at least as new as itself. */
function isBuildFresh(): boolean {
  return sourceFiles(SRC).every((source) => {
    const output = join(DIST, relative(SRC, source)).replace(/\.ts$/, '.js');
    return existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs;
  });
}

/** An exclusive lock across jest workers (mkdir is atomic); a lock left by a killed run expires. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  await waitUntil(
    'the build lock',
    () => {
      try {
        mkdirSync(LOCK);
        return true;
      } catch {
        const since = statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
        if (Date.now() - since > STALE_LOCK_MS) {
          rmSync(LOCK, { recursive: true, force: true });
        }
        return undefined;
      }
    },
    STALE_LOCK_MS + BUILD_TIMEOUT_MS,
    200,
  );
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Makes sure dist/ holds a build of the current sources, building when it does
 * not. A private build-info file makes tsc emit every file, whatever state the
 * shared incremental build-info (also written by the type check) is in.
 */
export async function ensureBuilt(): Promise<void> {
  if (isBuildFresh()) return;
  await withBuildLock(async () => {
    if (isBuildFresh()) return;
    const scratch = mkdtempSync(join(tmpdir(), 'llm-chat-api-tsc-'));
    const run = (command: string, args: string[]) =>
      promisify(execFile)(command, args, { cwd: ROOT, timeout: BUILD_TIMEOUT_MS });
    try {
      // Type errors are the type check's business (tsc still emits); only a missing build stops us.
      const failures = [
        await run('npx', [
          'tsc',
          '-p',
          'tsconfig.build.json',
          '--tsBuildInfoFile',
          join(scratch, 'build.tsbuildinfo'),
        ]).then(
          () => undefined,
          (error: BuildError) => error,
        ),
        // The playground's page is built apart from the server, for the browser.
        await run('npm', ['run', 'build:playground']).then(
          () => undefined,
          (error: BuildError) => error,
        ),
      ];
      if (!isBuildFresh()) {
        const details = failures.map((f) =>
          f ? `${f.message}\n${f.stdout ?? ''}${f.stderr ?? ''}` : '',
        );
        throw new Error(`building dist/ failed: ${details.join('\n')}`);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}

interface BuildError {
  message: string;
  stdout?: string;
  stderr?: string;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildApp {
  /** http://127.0.0.1:PORT */
  url: string;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<ChildExit>;
  /** Kills the process if it still runs and waits for it to be gone. */
  stop(): Promise<void>;
}

/**
 * Runs the built service with the production start command's Node flags and
 * only `env` (plus PATH) in its environment, and waits until it answers
 * liveness.
 */
export async function startChildApp(env: Record<string, string>): Promise<ChildApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [...productionNodeFlags(), BUILT_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let running = true;
  const exited = new Promise<ChildExit>((done) => {
    child.once('exit', (code, signal) => {
      running = false;
      done({ code, signal });
    });
  });
  const sut: ChildApp = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (running) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitUntil(
      'the child service to answer /health/live',
      async () => {
        if (!running) throw new Error(`the service exited at start:\n${stdout}\n${stderr}`);
        const res = await fetch(`${sut.url}/health/live`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      15_000,
      50,
    );
  } catch (error) {
    await sut.stop();
    throw error;
  }
  return sut;
}

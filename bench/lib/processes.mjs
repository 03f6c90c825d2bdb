/**
 * Child processes of the benchmark: started pinned to a core, tracked, and all
 * killed when the run ends, fails or is interrupted.
 */
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import { httpRequest } from './http-client.mjs';

const OUTPUT_LINES_KEPT = 200;
const STOP_GRACE_MS = 5_000;

/** @type {Set<ManagedProcess>} */
const running = new Set();

let tasksetAvailable;
/** True when `taskset` can pin processes to a core here. */
export function hasTaskset() {
  tasksetAvailable ??=
    spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetAvailable;
}

/**
 * Pins this process to one core, so the orchestrator shares the load
 * generator's core and leaves the other one to the processes under test.
 *
 * @param {number} cpu
 */
export function pinSelf(cpu) {
  if (hasTaskset())
    spawnSync('taskset', ['-pc', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/**
 * @typedef {object} ManagedProcess
 * @property {string} name
 * @property {number} pid
 * @property {import('node:child_process').ChildProcess} child
 * @property {string[]} output the last lines of stdout and stderr
 * @property {() => string} stdout the whole stdout, when started with captureStdout
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited
 * @property {(pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray>} waitForLine
 * @property {() => Promise<void>} stop
 */

/**
 * Starts a command, on `cpu` when taskset is there. taskset execs the command,
 * so the pid is the command's own (its /proc stats are the ones measured).
 *
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * `stdoutFile` sends stdout straight to a file, as a log collector would take
 * it, so that a chatty process costs the benchmark's own process nothing.
 *
 * @param {{ cpu?: number, cwd?: string, env?: Record<string, string | undefined>, captureStdout?: boolean, stdoutFile?: string }} [options]
 * @returns {ManagedProcess}
 */
export function startProcess(name, command, args, options = {}) {
  const { cpu, cwd, env = process.env, captureStdout = false, stdoutFile } = options;
  const pinned = cpu !== undefined && hasTaskset();
  const stdoutFd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'w');
  const child = spawn(
    pinned ? 'taskset' : command,
    pinned ? ['-c', String(cpu), command, ...args] : args,
    {
      cwd,
      env,
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    },
  );
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);

  /** @type {string[]} */
  const output = [];
  /** @type {Buffer[]} */
  const captured = [];
  /** @type {Set<(line: string) => void>} */
  const lineListeners = new Set();
  /** @param {import('node:stream').Readable} stream @param {boolean} isStdout */
  const collect = (stream, isStdout) => {
    let partial = '';
    stream.on('data', (/** @type {Buffer} */ data) => {
      if (isStdout && captureStdout) captured.push(data);
      const lines = (partial + data.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > OUTPUT_LINES_KEPT) output.shift();
        for (const listener of lineListeners) listener(line);
      }
    });
  };
  if (child.stdout) collect(child.stdout, true);
  collect(child.stderr, false);

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(managed);
      resolve({ code, signal });
    });
  });

  /** @type {ManagedProcess} */
  const managed = {
    name,
    pid: child.pid,
    child,
    output,
    stdout: () => Buffer.concat(captured).toString('utf8'),
    exited,
    waitForLine: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
        };
        /** @param {string} line */
        const onLine = (line) => {
          const match = line.match(pattern);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${name}: no line matching ${pattern} within ${timeoutMs} ms\n${tail(managed)}`,
            ),
          );
        }, timeoutMs);
        lineListeners.add(onLine);
        void exited.then(({ code, signal }) => {
          done();
          reject(new Error(`${name} exited (code ${code}, signal ${signal})\n${tail(managed)}`));
        });
      }),
    stop: async () => {
      if (!running.has(managed)) return;
      child.kill('SIGTERM');
      const timeout = delay(STOP_GRACE_MS).then(() => 'timeout');
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  running.add(managed);
  return managed;
}

/**
 * The last lines a process printed, for error messages.
 *
 * @param {ManagedProcess} proc
 * @param {number} [lines]
 */
export function tail(proc, lines = 30) {
  return proc.output
    .slice(-lines)
    .map((line) => `  [${proc.name}] ${line}`)
    .join('\n');
}

/** Stops every process still running, gracefully first. */
export async function stopAll() {
  await Promise.all([...running].map((proc) => proc.stop()));
}

let interrupted = false;
/** True once CTRL-C (or SIGTERM) asked the run to stop: failures after that are expected. */
export const wasInterrupted = () => interrupted;

/**
 * Kills the children however this process ends: normal exit, an uncaught
 * error, CTRL-C (a second CTRL-C does not wait for a graceful stop).
 */
export function installCleanup() {
  process.once('exit', () => {
    for (const proc of running) proc.child.kill('SIGKILL');
  });
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the benchmark's processes…\n`);
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** A free loopback TCP port (for programs that need a fixed --port). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/**
 * Polls `url` until it answers 200, failing early if `proc` exits.
 *
 * @param {string} url
 * @param {ManagedProcess} proc
 * @param {number} timeoutMs
 */
export async function waitForHttpOk(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited before ${url} was ready\n${tail(proc)}`);
    try {
      const res = await httpRequest(url, { timeoutMs: 1_000 });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await delay(100);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})\n${tail(proc)}`);
}

/**
 * Starts the processes under test, all on the core that is not the load
 * generator's: the fake provider, the bare proxy, the Portkey gateway and the service.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';
import { httpRequest, postJson } from './http-client.mjs';
import { freePort, startProcess, waitForHttpOk } from './processes.mjs';

export const TARGET_CPU = 1;
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const SERVICE_ENTRY = `${REPO_DIR}dist/main.js`;
const SERVICE_NODE_FLAGS = productionNodeFlags();
const START_TIMEOUT_MS = 30_000;
/** The line the bench's own servers print once they listen. */
const LISTENING = /listening on http:\/\/[\d.]+:(\d+)/;
export const RATE_LIMIT_REQUESTS = '100000000';
const CHUNK_PROBE = `${BENCH_DIR}lib/chunk-probe.mjs`;
const PROBE_ANSWER_MS = 5_000;
const PORTKEY_DIR = `${BENCH_DIR}peers/portkey/`;
const PORTKEY_ENTRY = `${PORTKEY_DIR}node_modules/@portkey-ai/gateway/build/start-server.js`;
const LOOPBACK_ONLY = `${BENCH_DIR}lib/loopback-only.mjs`;

/**
 * The Node flags that production starts the service with: package.json's
 * `start:prod`, `node <flags> dist/main.js`.
 *
 * @returns {string[]}
 */
function productionNodeFlags() {
  const { scripts } = JSON.parse(readFileSync(`${REPO_DIR}package.json`, 'utf8'));
  const command = String(scripts['start:prod']).trim().split(/\s+/);
  if (command[0] !== 'node' || command.at(-1) !== 'dist/main.js') {
    throw new Error(`start:prod is not "node <flags> dist/main.js": ${scripts['start:prod']}`);
  }
  return command.slice(1, -1);
}

/**
 * @param {{ latencyMs: number, chunks: number, gapMs: number }} initial
 */
export async function startFake(initial) {
  const proc = startProcess(
    'fake',
    process.execPath,
    [
      `${BENCH_DIR}fake-provider.mjs`,
      '--port',
      '0',
      '--latency-ms',
      String(initial.latencyMs),
      '--chunks',
      String(initial.chunks),
      '--gap-ms',
      String(initial.gapMs),
    ],
    { cpu: TARGET_CPU },
  );
  const [, port] = await proc.waitForLine(LISTENING, START_TIMEOUT_MS);
  const origin = `http://127.0.0.1:${port}`;
  return {
    proc,
    port: Number(port),
    origin,
    /** @param {Partial<{ latencyMs: number, chunks: number, gapMs: number }>} config */
    configure: async (config) => {
      const res = await postJson(`${origin}/_bench/config`, config);
      if (res.status !== 200) throw new Error(`fake config refused: ${res.text}`);
    },
    /** @returns {Promise<{ completions: number, streams: number, aborted: number }>} */
    stats: async () => {
      const res = await httpRequest(`${origin}/_bench/stats`);
      return /** @type {any} */ (JSON.parse(res.text));
    },
  };
}

/**
 * Where a process of the run keeps a file of its own (log, probe readings).
 *
 * @param {string} name the process's name
 * @param {string} extension
 */
const benchTempFile = (name, extension) =>
  join(tmpdir(), `llm-chat-api-bench-${name}.${extension}`);

/**
 * Node arguments and environment that preload the chunk probe (see
 * chunk-probe.mjs), and the file it answers in.
 *
 * @param {string} name
 * @param {boolean} on
 */
function chunkProbe(name, on) {
  if (!on) return { args: [], env: {}, file: undefined };
  const file = benchTempFile(name, 'chunks.json');
  rmSync(file, { force: true });
  return { args: ['--import', CHUNK_PROBE], env: { BENCH_CHUNK_PROBE_FILE: file }, file };
}

/**
 * Starts, or stops, the chunk probe of a process started with one (see
 * chunk-probe.mjs). Stopping returns its readings: stamped word → ms from the
 * process reading the chunk to writing it on, and the writes that coalesced
 * chunks.
 *
 * @param {{ proc: import('./processes.mjs').ManagedProcess, chunkProbeFile?: string }} endpoint
 * @returns {Promise<{ forwardMs: Record<string, number>, coalescedWrites: number }>}
 */
export async function toggleChunkProbe({ proc, chunkProbeFile }) {
  if (chunkProbeFile === undefined) throw new Error(`${proc.name} runs without the chunk probe`);
  rmSync(chunkProbeFile, { force: true });
  process.kill(proc.pid, 'SIGUSR2');
  const deadline = Date.now() + PROBE_ANSWER_MS;
  while (!existsSync(chunkProbeFile)) {
    if (Date.now() > deadline) throw new Error(`${proc.name}: its chunk probe did not answer`);
    await delay(20);
  }
  return JSON.parse(readFileSync(chunkProbeFile, 'utf8'));
}

/**
 * `chunkProbe` preloads the chunk probe, idle until toggled on.
 *
 * @param {number} fakePort
 * @param {{ chunkProbe?: boolean }} [options]
 */
export async function startProxy(fakePort, { chunkProbe: probed = false } = {}) {
  const probe = chunkProbe('proxy', probed);
  const proc = startProcess(
    'proxy',
    process.execPath,
    [
      ...probe.args,
      `${BENCH_DIR}bare-proxy.mjs`,
      '--port',
      '0',
      '--upstream',
      `http://127.0.0.1:${fakePort}`,
    ],
    { cpu: TARGET_CPU, env: { ...process.env, ...probe.env } },
  );
  const [, port] = await proc.waitForLine(LISTENING, START_TIMEOUT_MS);
  return {
    proc,
    port: Number(port),
    origin: `http://127.0.0.1:${port}`,
    chunkProbeFile: probe.file,
  };
}

/**
 * Installs the Portkey gateway into bench/peers/portkey from its lock file, the first time only.
 */
function installPortkey() {
  if (existsSync(PORTKEY_ENTRY)) return;
  process.stderr.write(`installing the Portkey gateway into ${PORTKEY_DIR} (first run only)\n`);
  // Its only install script is patch-package, which has no patches to apply in the published package.
  const npm = spawnSync(
    'npm',
    ['ci', '--prefix', PORTKEY_DIR, '--ignore-scripts', '--no-audit', '--no-fund'],
    { stdio: ['ignore', process.stderr, process.stderr] },
  );
  if (npm.status !== 0 || !existsSync(PORTKEY_ENTRY)) {
    throw new Error(`npm ci in ${PORTKEY_DIR} failed (exit ${npm.status})`);
  }
}

/**
 * Starts the Portkey gateway through its Node server entry, as its docs run it, in production
 * mode without its UI, bound to loopback, and returns the headers that route a request through
 * its `openai` provider to the fake.
 *
 * @param {number} fakePort
 */
export async function startPortkey(fakePort) {
  installPortkey();
  const port = await freePort();
  const proc = startProcess(
    'portkey',
    process.execPath,
    ['--import', LOOPBACK_ONLY, PORTKEY_ENTRY, `--port=${port}`, '--headless'],
    {
      cpu: TARGET_CPU,
      cwd: PORTKEY_DIR,
      stdoutFile: benchTempFile('portkey', 'log'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${origin}/`, proc, START_TIMEOUT_MS);
  return {
    proc,
    port,
    origin,
    headers: {
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `http://127.0.0.1:${fakePort}/v1`,
      authorization: 'Bearer bench-key',
    },
  };
}

/**
 * Starts a floor (see sdk-floor.mjs): the SDK call alone behind Express, or behind a bare Nest
 * controller on Express.
 *
 * @param {number} fakePort
 * @param {'express' | 'nest'} stack
 */
export async function startSdkFloor(fakePort, stack) {
  const proc = startProcess(
    `sdk-floor-${stack}`,
    process.execPath,
    [
      `${BENCH_DIR}sdk-floor.mjs`,
      '--port',
      '0',
      '--upstream',
      `http://127.0.0.1:${fakePort}`,
      '--stack',
      stack,
    ],
    { cpu: TARGET_CPU },
  );
  const [, port] = await proc.waitForLine(LISTENING, START_TIMEOUT_MS);
  return { proc, origin: `http://127.0.0.1:${port}` };
}

/**
 * Starts the service as `start:prod` does, in production mode, against the fake. The
 * environment is built from scratch (and the working directory has no .env)
 * so that a developer's settings cannot change what is measured. LOG_LEVEL is
 * left at its production default (info: a line per request, and per provider
 * attempt that failed or was retried), written to a file in the temp directory.
 *
 * `chunkProbe` preloads the chunk probe, idle until toggled on. Without
 * `redisUrl`, cache, rate limits and conversations stay in the process.
 *
 * @param {{ fakePort: number, cache: boolean, redisUrl?: string, inspect?: boolean, cpuProfDir?: string, chunkProbe?: boolean, name?: string }} options
 */
export async function startService({
  fakePort,
  cache,
  redisUrl,
  inspect = false,
  cpuProfDir,
  chunkProbe: probed = false,
  name = 'service',
}) {
  if (!existsSync(SERVICE_ENTRY)) {
    throw new Error(`${SERVICE_ENTRY} is missing: run \`npm run build\` first`);
  }
  const port = await freePort();
  const inspectPort = inspect ? await freePort() : undefined;
  const probe = chunkProbe(name, probed);
  const nodeArgs = [
    ...SERVICE_NODE_FLAGS,
    ...probe.args,
    ...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
    ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []),
  ];
  const proc = startProcess(name, process.execPath, [...nodeArgs, SERVICE_ENTRY], {
    cpu: TARGET_CPU,
    cwd: BENCH_DIR,
    stdoutFile: benchTempFile(name, 'log'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      // The benchmark measures the service without keys, as its peers run.
      AUTH_DISABLED: 'true',
      PORT: String(port),
      OPENAI_API_KEY: 'bench-key',
      OPENAI_BASE_URL: `http://127.0.0.1:${fakePort}/v1`,
      ENABLE_CACHE: String(cache),
      RATE_LIMIT_REQUESTS,
      CORS_ORIGINS: '*',
      SHUTDOWN_TIMEOUT: '2',
      ...(redisUrl && { REDIS_URL: redisUrl }),
      ...probe.env,
    },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${origin}/health/ready`, proc, START_TIMEOUT_MS);
  return {
    proc,
    port,
    origin,
    inspectPort,
    chunkProbeFile: probe.file,
    features: await detectFeatures(origin, cache, redisUrl !== undefined),
  };
}

/**
 * What was on in the service under test, checked where it can be from outside.
 *
 * @param {string} origin
 * @param {boolean} cache
 * @param {boolean} redis
 */
async function detectFeatures(origin, cache, redis) {
  const metrics = await httpRequest(`${origin}/metrics`);
  const invalid = await postJson(`${origin}/api/v1/chat`, { message: 'hi', not_a_field: 1 });
  return {
    startCommand: ['node', ...SERVICE_NODE_FLAGS, 'dist/main.js'].join(' '),
    validation: invalid.status === 422,
    rateLimit: `on (RATE_LIMIT_REQUESTS=${RATE_LIMIT_REQUESTS})`,
    cache,
    conversationStore: redis ? 'Redis (REDIS_URL)' : 'in-process memory (no REDIS_URL)',
    logs: `LOG_LEVEL default (info), JSON lines to ${benchTempFile('<name>', 'log')}`,
    metrics: metrics.status === 200 && metrics.text.includes('http_requests_total'),
    apiKeys: false,
  };
}

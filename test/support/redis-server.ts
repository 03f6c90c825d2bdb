import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 50;
const CLUSTER_BUS_OFFSET = 10_000;
const MAX_PORT = 65_535;

// Every redis-server this worker started and has not stopped yet.
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error('Could not read the port the OS assigned');
  }
  return address.port;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A port P such that P and its cluster bus port P + 10000 are both free. */
async function freeClusterPort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await freePort();
    const bus = port + CLUSTER_BUS_OFFSET;
    if (!taken.has(port) && !taken.has(bus) && bus <= MAX_PORT && (await isFree(bus))) {
      return port;
    }
  }
  throw new Error('Could not find a free port whose cluster bus port is free too');
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', HOST, '-p', String(port), ...args], {
    timeout: 2_000,
  });
  return stdout;
}

/** Polls `check` until it holds; `gaveUp` names a reason to stop waiting early. */
async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  gaveUp: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const reason = gaveUp();
    if (reason !== undefined) throw new Error(`Gave up waiting for ${what}: ${reason}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${READY_TIMEOUT_MS} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** One redis-server process, stopped for good when this worker dies in any way. */
class RedisProcess {
  private output = '';
  private exited = false;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly watchdog: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      this.exited = true;
      live.delete(child);
    });
  }

  static async start(port: number, dir: string, extraArgs: string[] = []): Promise<RedisProcess> {
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', [...args, '--dir', dir, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) {
      throw new Error('Could not spawn redis-server; is it on PATH?');
    }
    live.add(child);
    // The exit hook cannot run when the worker is SIGKILLed, so a detached shell outlives it
    // just long enough to kill the server.
    const watchdog = spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$1" 2>/dev/null',
        String(process.pid),
        String(child.pid),
      ],
      { stdio: 'ignore', detached: true },
    );
    watchdog.unref();
    const server = new RedisProcess(port, child, watchdog);
    try {
      await waitUntil(
        `redis-server on port ${port} to answer PING`,
        async () => (await redisCli(port, 'ping')).trim() === 'PONG',
        () => (server.exited ? 'it exited' : undefined),
      );
    } catch (error) {
      await server.stop();
      throw new Error(`${(error as Error).message}\nredis-server output:\n${server.output}`, {
        cause: error,
      });
    }
    return server;
  }

  cli(...args: string[]): Promise<string> {
    return redisCli(this.port, ...args);
  }

  async stop(): Promise<void> {
    this.watchdog.kill('SIGKILL');
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exit;
    clearTimeout(timer);
  }
}

/** A private, non-persistent redis-server on a free port of 127.0.0.1. */
export class RedisTestServer {
  private constructor(
    private server: RedisProcess,
    private readonly dir: string,
    private readonly args: string[],
  ) {}

  /** `args` are further redis-server options, such as `['--maxmemory', '2mb']`. */
  static async start(opts: { port?: number; args?: string[] } = {}): Promise<RedisTestServer> {
    const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
    const args = opts.args ?? [];
    try {
      return new RedisTestServer(
        await RedisProcess.start(opts.port ?? (await freePort()), dir, args),
        dir,
        args,
      );
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  /** redis-cli's output for one command against this server. */
  cli(...args: string[]): Promise<string> {
    return this.server.cli(...args);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Starts again on the same port, stopped or not; nothing is persisted, so all data is gone. */
  async restart(): Promise<void> {
    await this.server.stop();
    await mkdir(this.dir, { recursive: true });
    this.server = await RedisProcess.start(this.port, this.dir, this.args);
  }
}

/** Three private cluster masters with all 16384 slots assigned and the cluster state ok. */
export class RedisTestCluster {
  private constructor(
    private processes: RedisProcess[],
    private readonly dir: string,
    private readonly ports: readonly number[],
  ) {}

  get nodes(): string[] {
    return this.ports.map((port) => `${HOST}:${port}`);
  }

  static async start(): Promise<RedisTestCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'redis-cluster-test-'));
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + CLUSTER_BUS_OFFSET);
      ports.push(port);
    }
    const cluster = new RedisTestCluster([], dir, ports);
    try {
      await cluster.startNodes();
      await execFileAsync(
        'redis-cli',
        ['--cluster', 'create', ...cluster.nodes, '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 30_000 },
      );
      await cluster.untilStateOk();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Stops every node; their cluster config stays, so `startNodes` brings the same cluster back. */
  async stopNodes(): Promise<void> {
    await Promise.all(this.processes.map((node) => node.stop()));
    this.processes = [];
  }

  async startNodes(): Promise<void> {
    for (const port of this.ports) {
      this.processes.push(
        await RedisProcess.start(port, this.dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(this.dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
  }

  async untilStateOk(): Promise<void> {
    for (const node of this.processes) {
      await waitUntil(`cluster_state:ok on port ${node.port}`, async () =>
        (await node.cli('cluster', 'info')).includes('cluster_state:ok'),
      );
    }
  }

  async stop(): Promise<void> {
    await this.stopNodes();
    await rm(this.dir, { recursive: true, force: true });
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './child-app';
import { waitUntil } from './wait-until';

export const NGINX_BINARY = '/usr/sbin/nginx';
const PROJECT_CONFIG = resolve(__dirname, '..', '..', 'docker', 'nginx', 'nginx.conf');
const TEMP_DIRS = ['client_body_temp', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp'];

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

export const nginxInstalled = (): boolean => existsSync(NGINX_BINARY);

export interface NginxProxy {
  /** http://127.0.0.1:PORT, nginx's own address. */
  url: string;
  /** What `nginx -t` printed. */
  configTest: string;
  output(): string;
  stop(): Promise<void>;
}

function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`nginx.conf must contain "${from}" exactly once`);
  return parts.join(to);
}

/**
 * Runs the project's docker/nginx/nginx.conf unchanged but for its upstream (the
 * app on loopback) and its listen address, in a private prefix, in the foreground.
 */
export async function startNginx(appUrl: string): Promise<NginxProxy> {
  const { port: appPort } = new URL(appUrl);
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'llm-chat-api-nginx-'));
  // nginx's workers drop root privileges, and must still reach their temp dirs under the prefix.
  chmodSync(prefix, 0o755);
  for (const dir of TEMP_DIRS) mkdirSync(join(prefix, dir));
  const config = join(prefix, 'nginx.conf');
  let text = readFileSync(PROJECT_CONFIG, 'utf8');
  text = replaceOnce(text, 'server app:8000;', `server 127.0.0.1:${appPort};`);
  text = replaceOnce(text, 'listen 80;', `listen 127.0.0.1:${port};`);
  writeFileSync(config, text);
  const args = [
    '-e',
    'stderr',
    '-p',
    `${prefix}/`,
    '-c',
    config,
    '-g',
    `pid ${prefix}/nginx.pid; daemon off;`,
  ];

  // A file, not a pipe: the config logs to /dev/stdout, which cannot be opened on a socket (Node's pipes).
  const outputFile = join(prefix, 'output.log');
  const outputFd = openSync(outputFile, 'a');
  const output = () => readFileSync(outputFile, 'utf8');
  const run = (extra: string[]) =>
    spawn(NGINX_BINARY, [...extra, ...args], { stdio: ['ignore', outputFd, outputFd] });
  const removePrefix = () => {
    closeSync(outputFd);
    rmSync(prefix, { recursive: true, force: true });
  };

  const tested = await exitOf(run(['-t']));
  const configTest = output();
  if (tested.code !== 0) {
    removePrefix();
    throw new Error(`nginx -t failed (${JSON.stringify(tested)}):\n${configTest}`);
  }

  const child = run([]);
  let running = true;
  const exited = exitOf(child).finally(() => (running = false));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // SIGTERM is nginx's fast shutdown: the master stops its workers, then itself.
    if (running) child.kill('SIGTERM');
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<false>((done) => setTimeout(() => done(false), 5000).unref()),
    ]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
    removePrefix();
  };

  try {
    await waitUntil(
      'nginx to answer',
      async () => {
        if (!running) throw new Error(`nginx exited at start:\n${output()}`);
        const res = await fetch(`${url}/health/live`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      10_000,
      50,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, configTest, output, stop };
}

/**
 * The HTTP side of the benchmark's own processes (the fake provider and the
 * bare proxy), so that both are served and stopped the same way.
 */
import { createServer } from 'node:http';
import process from 'node:process';

/**
 * Listens with no Nagle delay and keeps connections open as long as the load
 * generator's pools do: they stay open between benchmark segments, and the
 * default 5 s would close them under their feet and count as errors.
 *
 * @param {import('node:http').RequestListener} handler
 * @param {{ port: number, host: string }} address
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function listenKeptAlive(handler, { port, host }) {
  const server = createServer({ noDelay: true, keepAlive: true }, handler);
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}

/**
 * Run as a command: prints the line the benchmark waits for, and stops
 * cleanly on SIGTERM or CTRL-C.
 *
 * @param {string} name
 * @param {string} url
 * @param {() => Promise<void>} close
 */
export function serveUntilStopped(name, url, close) {
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${name} listening on ${url}\n`);
}

/**
 * Scenario 7's Redis: a private redis-server on the target core, and a relay
 * in front of it that writes down what the service sends in each round trip.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { setTimeout } from 'node:timers';
import { freePort, startProcess } from './processes.mjs';
import { TARGET_CPU } from './stack.mjs';

const START_TIMEOUT_MS = 10_000;
/** A GET of a response-cache key, as it appears in the RESP the service writes. */
const CACHE_READ = /\$3\r\nget\r\n\$\d+\r\n[^\r]*cache:/i;

export const hasRedisServer = () => spawnSync('redis-server', ['--version']).status === 0;

/** A redis-server that keeps nothing on disk, on a free port of 127.0.0.1. */
export async function startRedis() {
  const port = await freePort();
  const proc = startProcess(
    'redis',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cpu: TARGET_CPU },
  );
  await proc.waitForLine(/Ready to accept connections/, START_TIMEOUT_MS);
  return { proc, port };
}

/**
 * @typedef {{ trips: number, cacheReadTrip: number }} RoundTrips
 * @typedef {Awaited<ReturnType<typeof startRoundTripCounter>>} RoundTripCounter
 */

/**
 * Relays to Redis on `targetPort`, holding each chunk `delayMs` each way (a
 * network hop; 0 for none). Between `start()` and `stop()` it counts round
 * trips: a round trip is what the client sends until Redis next answers.
 *
 * @param {number} targetPort
 * @param {number} delayMs
 */
export async function startRoundTripCounter(targetPort, delayMs) {
  /** @param {import('node:net').Socket} socket @param {Buffer} data */
  const forward = (socket, data) =>
    delayMs > 0 ? setTimeout(() => socket.write(data), delayMs) : socket.write(data);
  /** @type {string[] | undefined} what the client sent in each round trip since start() */
  let trips;
  const server = createServer((client) => {
    const redis = createConnection({ host: '127.0.0.1', port: targetPort });
    let sending = false;
    client.setNoDelay(true);
    redis.setNoDelay(true);
    client.on('data', (/** @type {Buffer} */ data) => {
      if (trips && !sending) trips.push('');
      if (trips) trips[trips.length - 1] += data.toString('latin1');
      sending = true;
      forward(redis, data);
    });
    redis.on('data', (/** @type {Buffer} */ data) => {
      sending = false;
      forward(client, data);
    });
    for (const [socket, peer] of [
      [client, redis],
      [redis, client],
    ]) {
      socket.on('close', () => peer.destroy());
      socket.on('error', () => peer.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    start() {
      trips = [];
    },
    /**
     * The round trips since start(), and which of them (from 1) carried the
     * first cache read; 0 when none did.
     *
     * @returns {RoundTrips}
     */
    stop() {
      const sent = trips ?? [];
      trips = undefined;
      return {
        trips: sent.length,
        cacheReadTrip: sent.findIndex((text) => CACHE_READ.test(text)) + 1,
      };
    },
    close() {
      server.close();
    },
  };
}

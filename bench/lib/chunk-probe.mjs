/**
 * Preloaded (`node --import`) into the gateways under test. Between two
 * SIGUSR2 it times each stamped chunk from the moment the process's JavaScript
 * receives the provider's bytes to the moment it hands the forwarded event to
 * the kernel: "forwarded within N ms of arrival", with the loopback hops and
 * the other processes' scheduling left out. It also counts the writes that
 * carried chunks which had come in separate reads: a gateway that batches
 * shows there, whenever the client reads. The first signal starts it and
 * writes `{}` to BENCH_CHUNK_PROBE_FILE; the second stops it and writes
 * `{ forwardMs: { "<word>@<stamp>": ms }, coalescedWrites }` there. Until
 * started it costs a flag check per read and write. Its hooks are installed
 * once, at start-up: replacing a prototype's method later would throw away
 * the optimized code built on it, and the run would time V8 compiling it again.
 *
 * It sees every socket of the process: reads through `push` (where libuv's
 * data enters a stream, paused or flowing), writes through `_writeGeneric`
 * (where `write` and an uncorked `writev` reach the handle). Matching the
 * stamps costs the process a little time, so the numbers err on the slow side.
 */
import { Buffer } from 'node:buffer';
import { renameSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import process from 'node:process';
import { STAMPED_WORD, wallClockMs } from './clock.mjs';

const outputFile = process.env.BENCH_CHUNK_PROBE_FILE;
if (!outputFile) throw new Error('chunk-probe: BENCH_CHUNK_PROBE_FILE is not set');

const socket = Socket.prototype;
const { push, _writeGeneric: writeGeneric } = socket;
if (typeof writeGeneric !== 'function') {
  throw new Error('chunk-probe: net.Socket has no _writeGeneric in this Node version');
}

/** @type {Map<string, { at: number, read: number }>} stamp → when and in which read it came */
const arrivals = new Map();
/** @type {Map<string, number>} stamp → ms from read to write */
const forwardMs = new Map();
let reads = 0;
/** Writes that carried chunks which had come in separate reads. */
let coalescedWrites = 0;

/** @param {unknown} data */
const textOf = (data) =>
  typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('latin1') : '';

/** @param {unknown} data */
function onRead(data) {
  const text = textOf(data);
  if (!text.includes('@')) return;
  const arrival = { at: wallClockMs(), read: ++reads };
  for (const [stamp] of text.matchAll(STAMPED_WORD)) arrivals.set(stamp, arrival);
}

/** @param {unknown[]} parts */
function onWrite(parts) {
  const text = parts.map(textOf).join('');
  if (!text.includes('@')) return;
  const now = wallClockMs();
  const readsInWrite = new Set();
  for (const [stamp] of text.matchAll(STAMPED_WORD)) {
    const arrival = arrivals.get(stamp);
    if (arrival === undefined || forwardMs.has(stamp)) continue;
    arrivals.delete(stamp);
    forwardMs.set(stamp, now - arrival.at);
    readsInWrite.add(arrival.read);
  }
  if (readsInWrite.size > 1) coalescedWrites++;
}

let probing = false;

/** @this {Socket} @param {any} chunk @param {BufferEncoding} [encoding] */
socket.push = function probedPush(chunk, encoding) {
  if (probing) onRead(chunk);
  return push.call(this, chunk, encoding);
};

/** @this {Socket} @param {boolean} writev @param {any} data @param {string} encoding @param {Function} cb */
socket._writeGeneric = function probedWriteGeneric(writev, data, encoding, cb) {
  if (probing) {
    onWrite(writev ? data.map((/** @type {any} */ entry) => entry?.chunk ?? entry) : [data]);
  }
  return writeGeneric.call(this, writev, data, encoding, cb);
};

/** @param {string} json written whole, so that a reader never sees half of it */
function publish(json) {
  writeFileSync(`${outputFile}.tmp`, json);
  renameSync(`${outputFile}.tmp`, /** @type {string} */ (outputFile));
}

process.on('SIGUSR2', () => {
  probing = !probing;
  if (probing) {
    arrivals.clear();
    forwardMs.clear();
    coalescedWrites = 0;
    publish('{}');
  } else {
    publish(JSON.stringify({ forwardMs: Object.fromEntries(forwardMs), coalescedWrites }));
  }
});

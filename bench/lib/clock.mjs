/**
 * Milliseconds since the epoch, to the microsecond. Every process on the
 * machine reads the same clock, so a chunk stamped by the fake provider tells
 * the load generator how long it took to arrive.
 */
import { performance } from 'node:perf_hooks';

export const wallClockMs = () => performance.timeOrigin + performance.now();

const STAMP = /@(\d+\.\d+)/;

/**
 * The content of the fake's stream chunks: a word and the time it was written.
 *
 * @param {number} index
 */
export const stampedWord = (index) => `word${index}@${wallClockMs().toFixed(3)} `;

/**
 * The write time stamped in a chunk's content, or null when it has none.
 *
 * @param {string} content
 * @returns {number | null}
 */
export function stampOf(content) {
  const match = STAMP.exec(content);
  return match ? Number(match[1]) : null;
}

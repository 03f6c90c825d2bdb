/**
 * Milliseconds since the epoch, to the microsecond. Every process on the
 * machine reads the same clock, so a chunk stamped by the fake provider tells
 * the load generator how long it took to arrive.
 */
import { performance } from 'node:perf_hooks';

export const wallClockMs = () => performance.timeOrigin + performance.now();

/** A stamped word, whole: `word<index>@<ms>`; the first group is the time. */
export const STAMPED_WORD = /word\d+@(\d+\.\d+)/g;

/**
 * The content of the fake's stream chunks: a word and the time it was written.
 *
 * @param {number} index
 */
export const stampedWord = (index) => `word${index}@${wallClockMs().toFixed(3)} `;

/**
 * The stamped word in a chunk's content and the time it was written, or null
 * when it has none.
 *
 * @param {string} content
 * @returns {{ word: string, sentAt: number } | null}
 */
export function stampOf(content) {
  const [match] = content.matchAll(STAMPED_WORD);
  return match ? { word: match[0], sentAt: Number(match[1]) } : null;
}

/** Small statistics helpers. Times are milliseconds unless a name says otherwise. */

/**
 * Nearest-rank percentile of unsorted samples; NaN when there are none.
 *
 * @param {number[]} samples
 * @param {number} p 0..100
 */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}

/**
 * @param {number[]} samples
 * @returns {{ n: number, p50: number, p90: number, p99: number, mean: number, max: number }}
 */
export function summarize(samples) {
  const mean = samples.length === 0 ? NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    mean: round(mean),
    max: round(samples.length === 0 ? NaN : Math.max(...samples)),
  };
}

/** @param {number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/**
 * @param {number} value
 * @param {number} [digits]
 */
export function round(value, digits = 3) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** @param {number} bytes */
export const mib = (bytes) => round(bytes / (1024 * 1024), 1);

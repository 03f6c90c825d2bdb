/**
 * CPU time and memory of a process, from Linux's /proc (null elsewhere).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const procAvailable = existsSync('/proc/self/stat');

const clockTicks = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/**
 * User + system CPU time of all the process's threads so far, in µs (with the
 * kernel's tick resolution, usually 10 ms: measure over seconds, not requests).
 *
 * @param {number} pid
 * @returns {number | null}
 */
export function cpuMicros(pid) {
  if (!procAvailable) return null;
  if (!existsSync(`/proc/${pid}/stat`)) throw new Error(`process ${pid} is gone (did it crash?)`);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / clockTicks;
}

/**
 * Resident memory now and at its peak since the process started, in bytes.
 *
 * @param {number} pid
 * @returns {{ rss: number, peakRss: number } | null}
 */
export function memory(pid) {
  if (!procAvailable) return null;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  /** @param {string} field */
  const kib = (field) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

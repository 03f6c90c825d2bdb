/**
 * Runs a load-worker job in a child process pinned to the load generator's core.
 */
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath, URL } from 'node:url';
import { startProcess, tail } from './processes.mjs';

const WORKER = fileURLToPath(new URL('./load-worker.mjs', import.meta.url));
export const LOAD_CPU = 0;

/**
 * @param {Record<string, unknown> & { mode: string }} job
 * @param {number} timeoutMs the job is killed (and the run fails) after this
 * @returns {Promise<any>}
 */
export async function runLoad(job, timeoutMs) {
  const worker = startProcess(`load:${job.mode}`, process.execPath, [WORKER, JSON.stringify(job)], {
    cpu: LOAD_CPU,
    captureStdout: true,
  });
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await worker.exited;
  clearTimeout(timer);
  if (code !== 0) {
    const why =
      signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `code ${code}, signal ${signal}`;
    throw new Error(`load worker (${job.mode}) failed: ${why}\n${tail(worker)}`);
  }
  return JSON.parse(worker.stdout());
}

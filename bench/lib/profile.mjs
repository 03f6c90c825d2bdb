/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) into its top self-time
 * frames and packages, leaving out idle time and the start-up (everything
 * before the service first answered its readiness check: loading and
 * compiling code, Nest's bootstrap), which is not per-request cost.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

/**
 * Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC, shared by every
 * process on the machine), in µs.
 */
export const profileClockMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * The newest .cpuprofile in `dir`, or undefined.
 *
 * @param {string} dir
 */
export function newestProfile(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * @typedef {{ id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number } }} ProfileNode
 */

/**
 * @param {string} file
 * @param {string} rootDir stripped from script paths to keep them short
 * @param {number} readyAtMicros when the service was first ready, on profileClockMicros
 * @param {number} [limit]
 */
export function topSelfFrames(file, rootDir, readyAtMicros, limit = 10) {
  /** @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number }} */
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id),
  );
  /** @type {Map<number, number>} */
  const selfMicros = new Map();
  let startupMicros = 0;
  let sampledAt = profile.startTime;
  // A sample lasts until the next one is taken.
  profile.samples.forEach((id, i) => {
    sampledAt += profile.timeDeltas[i];
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (idle.has(id)) return;
    if (sampledAt < readyAtMicros) startupMicros += micros;
    else selfMicros.set(id, (selfMicros.get(id) ?? 0) + micros);
  });
  /** @type {Map<string, number>} */
  const byFrame = new Map();
  /** @type {Map<string, number>} */
  const byPackage = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id);
    if (!micros) continue;
    busy += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.replace(`file://${rootDir}`, '').replace(rootDir, '');
    const frame = `${functionName || '(anonymous)'}${path ? ` ${path}:${lineNumber + 1}` : ''}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + micros);
    const pkg = packageOf(path, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  /** @param {Map<string, number>} map */
  const top = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([frame, micros]) => ({ frame, selfMs: micros / 1000, percent: (100 * micros) / busy }));
  return {
    file: file.replace(rootDir, ''),
    busyMs: busy / 1000,
    startupMs: startupMicros / 1000,
    frames: top(byFrame),
    packages: top(byPackage),
  };
}

/**
 * node_modules/<package>, dist/<dir>, node:<module>, or the native frame's name.
 *
 * @param {string} path
 * @param {string} functionName
 */
function packageOf(path, functionName) {
  if (!path) return functionName;
  const inModules = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (inModules) return inModules[1];
  if (path.startsWith('dist/')) return path.split('/').slice(0, 2).join('/');
  if (path.startsWith('node:internal/deps/')) return path.split('/').slice(0, 3).join('/');
  return path.replace(/^node:internal\//, 'node:');
}

/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) into its top self-time
 * frames and packages, leaving out idle time and the start-up (the synchronous
 * run of the main module: loading and compiling code), which is not per-request
 * cost.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STARTUP_FRAME = 'node:internal/main/run_main_module';

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
 * @param {number} [limit]
 */
export function topSelfFrames(file, rootDir, limit = 10) {
  /** @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }} */
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const startup = startupNodes(profile.nodes);
  /** @type {Map<number, number>} */
  const selfMicros = new Map();
  // A sample lasts until the next one is taken.
  profile.samples.forEach((id, i) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  /** @type {Map<string, number>} */
  const byFrame = new Map();
  /** @type {Map<string, number>} */
  const byPackage = new Map();
  let busy = 0;
  let startupMicros = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id);
    if (!micros || node.callFrame.functionName === '(idle)') continue;
    if (startup.has(node.id)) {
      startupMicros += micros;
      continue;
    }
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
 * Ids of the nodes under the main module's synchronous run.
 *
 * @param {ProfileNode[]} nodes
 */
function startupNodes(nodes) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  /** @type {Set<number>} */
  const ids = new Set();
  /** @param {number} id */
  const mark = (id) => {
    const stack = [id];
    while (stack.length > 0) {
      const next = /** @type {number} */ (stack.pop());
      ids.add(next);
      stack.push(...(byId.get(next)?.children ?? []));
    }
  };
  for (const node of nodes) if (node.callFrame.url === STARTUP_FRAME) mark(node.id);
  return ids;
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

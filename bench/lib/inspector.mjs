/**
 * A minimal DevTools-protocol client for a process started with
 * `--inspect=127.0.0.1:<port>`: forces a full GC and reads process.memoryUsage(),
 * so that memory is compared after GC and the heap is known without relying on
 * the service's own metrics.
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { httpRequest } from './http-client.mjs';
import { openWebSocket } from './websocket.mjs';

/**
 * @param {number} port the inspector's port
 * @param {number} [timeoutMs] per call
 */
export async function connectInspector(port, timeoutMs = 10_000) {
  const list = await httpRequest(`http://127.0.0.1:${port}/json/list`, { timeoutMs });
  const [target] = /** @type {{ webSocketDebuggerUrl: string }[]} */ (JSON.parse(list.text));
  if (!target) throw new Error(`no inspector target on port ${port}`);

  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
  const pending = new Map();
  let lastId = 0;
  const socket = await openWebSocket(target.webSocketDebuggerUrl, (text) => {
    const message = JSON.parse(text);
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.error) call.reject(new Error(`inspector: ${message.error.message}`));
    else call.resolve(message.result);
  });

  /**
   * @param {string} method
   * @param {object} [params]
   * @returns {Promise<any>}
   */
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    collectGarbage: () => send('HeapProfiler.collectGarbage').then(() => undefined),
    /** @returns {Promise<{ rss: number, heapUsed: number, heapTotal: number, external: number, arrayBuffers: number }>} */
    memoryUsage: async () => {
      const { result } = await send('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      return JSON.parse(result.value);
    },
    close: () => socket.close(),
  };
}

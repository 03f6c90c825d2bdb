/**
 * One HTTP request from the benchmark's own process (settings, readiness, scenario 7's turns),
 * through node:http: the whole answer as text.
 */
import { request } from 'node:http';

/**
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string, timeoutMs?: number }} [options]
 * @returns {Promise<{ status: number, text: string }>}
 */
export function httpRequest(url, { method = 'GET', headers, body, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * POSTs a JSON body.
 *
 * @param {string} url
 * @param {unknown} body
 */
export const postJson = (url, body) =>
  httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

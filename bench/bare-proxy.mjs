#!/usr/bin/env node
/**
 * The floor for any Node gateway: a bare node:http reverse proxy with a
 * keep-alive agent that forwards `POST /api/v1/chat` and `/api/v1/chat/stream`
 * to the provider's `/v1/chat/completions` unchanged, streaming both bodies
 * through without buffering.
 *
 *   node bench/bare-proxy.mjs --port 8002 --upstream http://127.0.0.1:8001
 */
import { Agent, request } from 'node:http';
import { URL } from 'node:url';
import { listenKeptAlive, serveUntilStopped } from './lib/http-server.mjs';
import { isMain, readOptions } from './lib/options.mjs';

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  upstream: 'http://127.0.0.1:8001',
  maxSockets: 4096,
};
const ROUTES = new Set(['/api/v1/chat', '/api/v1/chat/stream']);
const UPSTREAM_PATH = '/v1/chat/completions';
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * @param {{ port?: number, host?: string, upstream: string, maxSockets?: number }} options
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function startBareProxy({
  port = 0,
  host = '127.0.0.1',
  upstream,
  maxSockets = 4096,
}) {
  const target = new URL(upstream);
  const agent = new Agent({
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    keepAliveMsecs: 30_000,
  });

  const server = await listenKeptAlive(
    (req, res) => {
      if (req.method !== 'POST' || !ROUTES.has(req.url ?? '')) {
        if (req.method === 'GET' && req.url === '/health') return void res.end('ok');
        req.resume();
        res.statusCode = 404;
        return void res.end();
      }
      const upstreamReq = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: UPSTREAM_PATH,
          headers: { ...withoutHopByHop(req.headers), host: target.host },
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, withoutHopByHop(upstreamRes.headers));
          upstreamRes.pipe(res);
        },
      );
      upstreamReq.on('error', () => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":"upstream_error"}');
      });
      // A client that goes away must not keep the provider busy.
      res.on('close', () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      req.pipe(upstreamReq);
    },
    { port, host },
  );
  return {
    port: server.port,
    close: async () => {
      await server.close();
      agent.destroy();
    },
  };
}

/**
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @returns {import('node:http').OutgoingHttpHeaders}
 */
function withoutHopByHop(headers) {
  /** @type {import('node:http').OutgoingHttpHeaders} */
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

if (isMain(import.meta.url)) {
  const options = readOptions(DEFAULTS, { envPrefix: 'PROXY_' });
  const proxy = await startBareProxy(options);
  serveUntilStopped('bare-proxy', `http://${options.host}:${proxy.port}`, proxy.close);
}

#!/usr/bin/env node
/**
 * A fast OpenAI-compatible fake for `POST /v1/chat/completions`: a JSON reply,
 * or SSE chunks in OpenAI's format, each content stamped with the time it was
 * written. Latency before the first byte, the number
 * of content chunks and the gap between them come from CLI options
 * (`--latency-ms 0 --chunks 20 --gap-ms 10 --port 0`) or FAKE_* env variables,
 * and can be changed at run time with `POST /_bench/config` so that one
 * process (and the keep-alive connections to it) serves every scenario.
 *
 *   node bench/fake-provider.mjs --port 8001 --latency-ms 0 --chunks 20 --gap-ms 10
 */
import { Buffer } from 'node:buffer';
import { setTimeout as delay } from 'node:timers/promises';
import { stampedWord } from './lib/clock.mjs';
import { listenKeptAlive, serveUntilStopped } from './lib/http-server.mjs';
import { isMain, readOptions } from './lib/options.mjs';

/** @typedef {{ latencyMs: number, chunks: number, gapMs: number }} FakeConfig */

const DEFAULTS = { port: 0, host: '127.0.0.1', latencyMs: 0, chunks: 20, gapMs: 10 };
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const ANSWER = 'This is a benchmark answer from the fake provider.';
const PROMPT_TOKENS = 12;

/**
 * @param {Partial<FakeConfig> & { port?: number, host?: string }} [options]
 * @returns {Promise<{ port: number, config: FakeConfig, close: () => Promise<void> }>}
 */
export async function startFakeProvider(options = {}) {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  /** @type {FakeConfig} */
  const config = { latencyMs: 0, chunks: 20, gapMs: 10, ...rest };
  const stats = { completions: 0, streams: 0, aborted: 0 };
  let ids = 0;

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const path = req.url?.split('?', 1)[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const body = await readJson(req);
      if (body === undefined) return sendJson(res, 400, { error: { message: 'invalid JSON' } });
      const snapshot = { ...config };
      if (snapshot.latencyMs > 0) await delay(snapshot.latencyMs);
      if (res.destroyed) return;
      const model = typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
      const id = `chatcmpl-bench-${++ids}`;
      if (body.stream === true) {
        stats.streams++;
        return streamReply(res, snapshot, {
          id,
          model,
          usage: body.stream_options?.include_usage === true,
        });
      }
      stats.completions++;
      return sendJson(res, 200, completion(id, model));
    }
    if (req.method === 'GET' && (path === '/health' || path === '/_bench/health')) {
      return sendJson(res, 200, { status: 'ok' });
    }
    if (req.method === 'GET' && path === '/_bench/stats') return sendJson(res, 200, stats);
    if (req.method === 'POST' && path === '/_bench/config') {
      const update = await readJson(req);
      const error = applyConfig(config, update);
      return error ? sendJson(res, 400, { error }) : sendJson(res, 200, config);
    }
    req.resume();
    sendJson(res, 404, { error: { message: 'not found' } });
  }

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {FakeConfig} cfg
   * @param {{ id: string, model: string, usage: boolean }} meta
   */
  async function streamReply(res, cfg, { id, model, usage }) {
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        stats.aborted++;
      }
    });
    const created = Math.floor(Date.now() / 1000);
    /** @param {object} delta @param {string | null} finish */
    const chunk = (delta, finish = null) =>
      event({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    res.write(chunk({ role: 'assistant', content: '', refusal: null }));
    for (let i = 0; i < cfg.chunks; i++) {
      if (i > 0 && cfg.gapMs > 0) await delay(cfg.gapMs);
      if (closed) return;
      res.write(chunk({ content: stampedWord(i) }));
    }
    let tail = chunk({}, 'stop');
    if (usage) {
      tail += event({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [],
        usage: tokenUsage(cfg.chunks),
      });
    }
    res.end(`${tail}data: [DONE]\n\n`);
  }

  /** @param {string} id @param {string} model */
  function completion(id, model) {
    return {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: ANSWER, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: tokenUsage(10),
    };
  }

  const server = await listenKeptAlive(
    (req, res) => {
      handle(req, res).catch(() => res.destroy());
    },
    { port, host },
  );
  return { port: server.port, config, close: server.close };
}

/** @param {number} completion */
function tokenUsage(completion) {
  return {
    prompt_tokens: PROMPT_TOKENS,
    completion_tokens: completion,
    total_tokens: PROMPT_TOKENS + completion,
  };
}

/** @param {object} payload */
function event(payload) {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/**
 * @param {FakeConfig} config
 * @param {any} update
 * @returns {string | undefined} an error message, or undefined when applied
 */
function applyConfig(config, update) {
  if (update === null || typeof update !== 'object') return 'body must be a JSON object';
  const next = { ...config };
  for (const [key, value] of Object.entries(update)) {
    if (!(key in config)) return `unknown key ${key}`;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      return `${key} must be an integer ≥ 0`;
    next[/** @type {keyof FakeConfig} */ (key)] = value;
  }
  Object.assign(config, next);
  return undefined;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<any>} the parsed body, or undefined when it is not JSON
 */
async function readJson(req) {
  const parts = [];
  let size = 0;
  for await (const part of req) {
    size += part.length;
    if (size > MAX_BODY_BYTES) return undefined;
    parts.push(part);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} payload
 */
function sendJson(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

if (isMain(import.meta.url)) {
  const { port, host, latencyMs, chunks, gapMs } = readOptions(DEFAULTS, { envPrefix: 'FAKE_' });
  const fake = await startFakeProvider({ port, host, latencyMs, chunks, gapMs });
  serveUntilStopped('fake-provider', `http://${host}:${fake.port}`, fake.close);
}

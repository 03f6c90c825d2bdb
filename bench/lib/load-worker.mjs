/**
 * The load generator, run as its own process (pinned to the load core by
 * load.mjs) so it never shares a core with what it measures. It takes one job
 * as a JSON argument and prints one JSON result line.
 *
 * Jobs:
 * - autocannon: throughput and latency at N connections (1 ms resolution);
 * - sequential: one request at a time, round-robin over targets, timed with
 *   performance.now() (sub-millisecond resolution for the 1-connection case);
 * - stream: SSE requests one at a time, round-robin over targets, with the
 *   arrival time of every event;
 * - concurrentStreams: many SSE requests open at once, checking each one ends.
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { stampOf, wallClockMs } from './clock.mjs';
import { createSseParser } from './sse.mjs';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * @typedef {{ name: string, url: string, body: string, headers?: Record<string, string>, format?: 'openai' | 'service' }} Target
 */

const jobs = {
  /**
   * @param {{ url: string, body: string, headers?: Record<string, string>, connections: number, durationS?: number, amount?: number, maxDurationS?: number, uniqueBodies?: boolean }} job
   */
  async autocannon(job) {
    const instance = autocannon({
      url: job.url,
      method: 'POST',
      headers: { ...JSON_HEADERS, ...job.headers },
      body: job.body,
      connections: job.connections,
      ...(job.amount ? { amount: job.amount } : { duration: job.durationS ?? 5 }),
      // Replaces [<id>] in the body with a fresh id per request (cache misses).
      idReplacement: job.uniqueBodies === true,
      timeout: 30,
    });
    // A slow target must not stretch a fixed-amount run beyond the time budget.
    let capped = false;
    const cap = job.maxDurationS
      ? setTimeout(() => {
          capped = true;
          instance.stop();
        }, job.maxDurationS * 1000)
      : undefined;
    const result = await instance;
    clearTimeout(cap);
    return {
      capped,
      requests: result.requests.total,
      durationS: result.duration,
      rps: result.requests.total / result.duration,
      latency: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        mean: result.latency.average,
        max: result.latency.max,
      },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      statusCodes: Object.fromEntries(
        Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
      ),
    };
  },

  /** @param {{ targets: Target[], durationMs: number, warmupPerTarget: number }} job */
  async sequential(job) {
    const clients = job.targets.map((target) => ({
      target,
      agent: client(1),
      samples: [],
      errors: 0,
    }));
    for (const c of clients) {
      for (let i = 0; i < job.warmupPerTarget; i++) await timedRequest(c);
    }
    const deadline = performance.now() + job.durationMs;
    for (let round = 0; performance.now() < deadline; round++) {
      // Rotate who goes first so no target always follows the same one.
      for (let k = 0; k < clients.length; k++) {
        const c = clients[(round + k) % clients.length];
        const ms = await timedRequest(c);
        if (ms === null) c.errors++;
        else c.samples.push(ms);
      }
    }
    for (const c of clients) c.agent.destroy();
    return Object.fromEntries(
      clients.map((c) => [c.target.name, { samples: c.samples, errors: c.errors }]),
    );
  },

  /** @param {{ targets: Target[], requestsPerTarget: number, warmupPerTarget: number }} job */
  async stream(job) {
    const clients = job.targets.map((target) => ({ target, agent: client(1), runs: [] }));
    for (const c of clients) {
      for (let i = 0; i < job.warmupPerTarget; i++) await timedStream(c.agent, c.target);
    }
    for (let round = 0; round < job.requestsPerTarget; round++) {
      for (let k = 0; k < clients.length; k++) {
        const c = clients[(round + k) % clients.length];
        c.runs.push(await timedStream(c.agent, c.target));
      }
    }
    for (const c of clients) c.agent.destroy();
    return Object.fromEntries(clients.map((c) => [c.target.name, c.runs]));
  },

  /** @param {{ target: Target, count: number, rampMs: number, timeoutMs: number }} job */
  async concurrentStreams(job) {
    const agent = client(job.count);
    const runs = [];
    // Opening every connection in the same tick overflows the listen backlog
    // and measures SYN retries, not the service.
    const batch = 50;
    const pause = job.rampMs / Math.ceil(job.count / batch);
    for (let i = 0; i < job.count; i++) {
      runs.push(timedStream(agent, job.target, job.timeoutMs));
      if ((i + 1) % batch === 0) await delay(pause);
    }
    const results = await Promise.all(runs);
    agent.destroy();
    /** @type {Record<string, number>} */
    const failures = {};
    for (const run of results) {
      if (!run.complete)
        failures[run.failure ?? 'unknown'] = (failures[run.failure ?? 'unknown'] ?? 0) + 1;
    }
    return {
      count: job.count,
      complete: results.filter((run) => run.complete).length,
      failures,
      totals: results.map((run) => run.total),
      contentEvents: results.map((run) => run.content.length),
    };
  },
};

/**
 * Keep-alive sockets with no Nagle delay, at most `connections` at a time, kept open between
 * requests as the servers under test keep theirs.
 *
 * @param {number} connections
 */
function client(connections) {
  return new Agent({ keepAlive: true, maxSockets: connections, noDelay: true });
}

/**
 * POSTs the target's body; a socket idle for `timeoutMs` (no headers, or no body data)
 * fails the request.
 *
 * @param {Agent} agent
 * @param {Target} target
 * @param {number} [timeoutMs]
 * @returns {Promise<import('node:http').IncomingMessage>}
 */
function postTarget(agent, target, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const req = request(target.url, {
      agent,
      method: 'POST',
      headers: { ...JSON_HEADERS, ...target.headers },
      timeout: timeoutMs,
    });
    req.once('timeout', () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', resolve);
    req.end(target.body);
  });
}

/**
 * @param {{ agent: Agent, target: Target }} c
 * @returns {Promise<number | null>} ms until the whole answer was read, null on a failure
 */
async function timedRequest({ agent, target }) {
  const start = performance.now();
  try {
    const res = await postTarget(agent, target);
    for await (const chunk of res) void chunk;
    return res.statusCode === 200 ? performance.now() - start : null;
  } catch {
    return null;
  }
}

/**
 * One SSE request, with times in ms since it was sent: response headers, first
 * body byte, each content event, the end. `transit` is, for each content event
 * the fake stamped, the time from the fake's write to the read that carried it;
 * `stamps` are those events' stamped words, to look up in a chunk probe.
 * `batched` counts reads that carried more than one content event: a gateway
 * that coalesces events shows here, and so does a read that came late (the
 * chunk probe tells the two apart).
 *
 * @param {Agent} agent
 * @param {Target} target
 * @param {number} [timeoutMs]
 */
async function timedStream(agent, target, timeoutMs) {
  const run = {
    status: 0,
    headers: NaN,
    firstByte: NaN,
    content: /** @type {number[]} */ ([]),
    transit: /** @type {number[]} */ ([]),
    stamps: /** @type {string[]} */ ([]),
    total: NaN,
    reads: 0,
    batched: 0,
    complete: false,
    failure: /** @type {string | undefined} */ (undefined),
  };
  const start = performance.now();
  try {
    const res = await postTarget(agent, target, timeoutMs);
    run.headers = performance.now() - start;
    run.status = res.statusCode ?? 0;
    const decoder = new TextDecoder();
    let now = 0;
    let contentInRead = 0;
    let readAt = 0;
    const feed = createSseParser((data) => {
      const { kind, text } = classify(data, target.format ?? 'openai');
      if (kind === 'content') {
        run.content.push(now);
        const stamp = stampOf(text ?? '');
        if (stamp !== null) {
          run.transit.push(readAt - stamp.sentAt);
          run.stamps.push(stamp.word);
        }
        contentInRead++;
      } else if (kind === 'end') run.complete = true;
      else if (kind === 'error') run.failure = 'final event carried an error';
    });
    for await (const chunk of res) {
      readAt = wallClockMs();
      now = performance.now() - start;
      if (run.reads++ === 0) run.firstByte = now;
      contentInRead = 0;
      feed(decoder.decode(chunk, { stream: true }));
      if (contentInRead > 1) run.batched++;
    }
    run.total = performance.now() - start;
    if (run.status !== 200) run.failure = `HTTP ${run.status}`;
    else if (!run.complete) run.failure ??= 'stream ended without its final event';
  } catch (error) {
    run.total = performance.now() - start;
    run.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  run.complete &&= run.failure === undefined;
  return run;
}

/**
 * @param {string} data
 * @param {'openai' | 'service'} format
 * @returns {{ kind: 'content' | 'end' | 'error' | 'other', text?: string }}
 */
function classify(data, format) {
  if (format === 'openai') {
    if (data === '[DONE]') return { kind: 'end' };
    const content = JSON.parse(data).choices?.[0]?.delta?.content;
    return typeof content === 'string' && content !== ''
      ? { kind: 'content', text: content }
      : { kind: 'other' };
  }
  const event = JSON.parse(data);
  if (event.finished === true) return { kind: event.error ? 'error' : 'end' };
  return typeof event.delta === 'string' && event.delta !== ''
    ? { kind: 'content', text: event.delta }
    : { kind: 'other' };
}

const job = JSON.parse(process.argv[2] ?? '{}');
const run = jobs[/** @type {keyof typeof jobs} */ (job.mode)];
if (!run) throw new Error(`unknown job mode ${job.mode}`);
const result = await run(job);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));

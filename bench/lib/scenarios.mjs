/**
 * The benchmark's scenarios (1, 2 and 4 with the Portkey gateway beside the
 * service), a seventh with Redis on the path and an eighth that splits the cost
 * of a request between the SDK, Nest and the rest. Each one measures and
 * returns raw numbers; report.mjs turns them into the table and the target checks.
 */
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import { postJson } from './http-client.mjs';
import { connectInspector } from './inspector.mjs';
import { runLoad } from './load.mjs';
import { cpuMicros, memory } from './proc-stats.mjs';
import { toggleChunkProbe } from './stack.mjs';
import { median, round, summarize } from './stats.mjs';

const MESSAGE = 'Hello! Please answer in one short sentence.';
const MODEL = 'gpt-4o-mini';
/** Seconds a load job may overrun its planned duration before it is killed. */
const LOAD_MARGIN_MS = 60_000;
/** Scenario 4's warm-up: the gap that still gives each chunk its own read, with short streams. */
const WARMUP_GAP_MS = 1;
/** Scenario 4 at 50 connections: chunks back to back, so the gateways' CPU and not the fake's gaps sets the pace. */
const THROUGHPUT_GAP_MS = 0;

/**
 * @typedef {object} BenchConfig
 * @property {number} durationS seconds per measured segment
 * @property {number} rounds interleaved rounds per scenario
 * @property {number} warmupS
 * @property {number} streamRequests per target, scenario 4
 * @property {number} openStreams scenario 5
 * @property {number} openStreamGapMs scenario 5, gap between chunks
 * @property {number} leakRequests scenario 6
 * @property {number} leakMaxS scenario 6, time cap of each half (a slow service does fewer requests)
 * @property {number} pauseMs idle pause before a memory reading
 * @property {number} redisRequests scenario 7, requests of each kind
 * @property {number} redisDelayMs scenario 7, delay the relay adds each way
 *
 * @typedef {{ proc: import('./processes.mjs').ManagedProcess, origin: string, chunkProbeFile?: string }} Endpoint
 * @typedef {Endpoint & { port: number, configure: (config: object) => Promise<void>, stats: () => Promise<{ completions: number, streams: number }> }} Fake
 * @typedef {Endpoint & { inspectPort?: number }} Service
 * @typedef {Endpoint & { headers: Record<string, string> }} Peer a gateway that takes OpenAI's body on /v1/chat/completions
 * @typedef {{ fake: Fake, proxy: Endpoint, portkey?: Peer, service: Service, cfg: BenchConfig, log: (line: string) => void }} Bench
 * @typedef {{ name: string, url: string, body: string, headers?: Record<string, string>, format: 'openai' | 'service', pid: number, uniqueBodies?: boolean }} Target
 */

/** @param {boolean} stream */
function openAiBody(stream) {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: MESSAGE }],
    temperature: 0.7,
    max_tokens: 1000,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/**
 * direct (OpenAI body to the fake), proxy (same body through the bare proxy),
 * portkey when the bench has it (same body, with its routing headers), service
 * (the API's own body).
 *
 * @param {Bench} bench
 * @param {boolean} stream
 * @returns {Target[]}
 */
function targets({ fake, proxy, portkey, service }, stream) {
  const suffix = stream ? '/stream' : '';
  return [
    {
      name: 'direct',
      url: `${fake.origin}/v1/chat/completions`,
      body: openAiBody(stream),
      format: 'openai',
      pid: fake.proc.pid,
    },
    {
      name: 'proxy',
      url: `${proxy.origin}/api/v1/chat${suffix}`,
      body: openAiBody(stream),
      format: 'openai',
      pid: proxy.proc.pid,
    },
    ...(portkey
      ? [
          /** @type {Target} */ ({
            name: 'portkey',
            url: `${portkey.origin}/v1/chat/completions`,
            body: openAiBody(stream),
            headers: portkey.headers,
            format: 'openai',
            pid: portkey.proc.pid,
          }),
        ]
      : []),
    {
      name: 'service',
      url: `${service.origin}/api/v1/chat${suffix}`,
      body: JSON.stringify({ message: MESSAGE }),
      format: 'service',
      pid: service.proc.pid,
    },
  ];
}

/**
 * @param {Target[]} list
 * @param {string} name
 */
function named(list, name) {
  const target = list.find((t) => t.name === name);
  if (!target) throw new Error(`no target named ${name}`);
  return target;
}

/** What the load worker needs of a target. @param {Target} target */
const wire = ({ name, url, body, headers, format }) => ({ name, url, body, headers, format });

/**
 * Each target process's resident memory (bytes) now, after an idle pause: read after the
 * JSON scenarios and after the streams, whatever the process kept from them.
 *
 * @param {Bench} bench
 * @returns {Promise<Record<string, number | null>>}
 */
export async function residentMemory(bench) {
  await delay(bench.cfg.pauseMs);
  return Object.fromEntries(targets(bench, false).map((t) => [t.name, memory(t.pid)?.rss ?? null]));
}

/**
 * @param {Target} target
 * @param {{ connections: number, durationS?: number, amount?: number }} load
 */
function autocannonJob(target, load) {
  return {
    mode: 'autocannon',
    url: target.url,
    body: target.body,
    headers: target.headers,
    uniqueBodies: target.uniqueBodies === true,
    ...load,
  };
}

/**
 * @param {Target[]} list
 * @param {number} seconds
 */
async function warmup(list, seconds) {
  for (const target of list) {
    await runLoad(
      autocannonJob(target, { connections: 10, durationS: seconds }),
      seconds * 1000 + LOAD_MARGIN_MS,
    );
  }
}

/**
 * Runs every target for `durationS`, `rounds` times, rotating the order each
 * round, and reads each target process's CPU time around its own segments.
 *
 * @param {Target[]} list
 * @param {{ connections: number, durationS: number, rounds: number }} load
 */
async function interleavedAutocannon(list, { connections, durationS, rounds }) {
  /** @type {Map<string, { segments: any[], cpu: number | null }>} */
  const byTarget = new Map(list.map((target) => [target.name, { segments: [], cpu: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const target = list[(round + k) % list.length];
      const entry = /** @type {{ segments: any[], cpu: number | null }} */ (
        byTarget.get(target.name)
      );
      const cpuBefore = cpuMicros(target.pid);
      const result = await runLoad(
        autocannonJob(target, { connections, durationS }),
        durationS * 1000 + LOAD_MARGIN_MS,
      );
      const cpuAfter = cpuMicros(target.pid);
      entry.segments.push(result);
      entry.cpu =
        entry.cpu === null || cpuBefore === null || cpuAfter === null
          ? null
          : entry.cpu + cpuAfter - cpuBefore;
    }
  }
  return Object.fromEntries(
    [...byTarget].map(([name, entry]) => [name, aggregate(entry.segments, entry.cpu)]),
  );
}

/**
 * Throughput over all segments; latency percentiles are the median of the
 * segments' (autocannon's histograms have 1 ms resolution).
 *
 * @param {any[]} segments
 * @param {number | null} cpu
 */
function aggregate(segments, cpu) {
  const requests = segments.reduce((sum, s) => sum + s.requests, 0);
  const durationS = segments.reduce((sum, s) => sum + s.durationS, 0);
  return {
    requests,
    rps: round(requests / durationS, 1),
    p50: median(segments.map((s) => s.latency.p50)),
    p99: median(segments.map((s) => s.latency.p99)),
    p99Max: Math.max(...segments.map((s) => s.latency.p99)),
    errors: segments.reduce((sum, s) => sum + s.errors + s.timeouts, 0),
    non2xx: segments.reduce((sum, s) => sum + s.non2xx, 0),
    cpuMicrosPerRequest: cpu === null || requests === 0 ? null : round(cpu / requests, 1),
    segments: segments.map((s) => ({
      rps: round(s.rps, 1),
      p50: s.latency.p50,
      p99: s.latency.p99,
      errors: s.errors + s.timeouts,
      non2xx: s.non2xx,
      statusCodes: s.statusCodes,
    })),
  };
}

/**
 * @template T, U
 * @param {Record<string, T>} record
 * @param {(value: T, key: string) => U} fn
 * @returns {Record<string, U>}
 */
const mapValues = (record, fn) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v, k)]));

/**
 * 1. Non-streaming, provider latency 0 ms: 1 connection (sub-millisecond
 * timings, requests interleaved one by one) and 50 connections.
 *
 * @param {Bench} bench
 */
export async function nonStreaming(bench) {
  const { cfg, log } = bench;
  await bench.fake.configure({ latencyMs: 0 });
  const list = targets(bench, false);
  log('scenario 1: warm-up');
  await warmup(list, cfg.warmupS);

  log('scenario 1: 1 connection, requests interleaved');
  const durationMs = cfg.durationS * cfg.rounds * 1000;
  const sequential = await runLoad(
    {
      mode: 'sequential',
      targets: list.map(wire),
      durationMs,
      warmupPerTarget: 100,
    },
    durationMs + LOAD_MARGIN_MS,
  );
  const oneConnection = mapValues(
    /** @type {Record<string, { samples: number[], errors: number }>} */ (sequential),
    ({ samples, errors }) => {
      const summary = summarize(samples);
      return { ...summary, rps: round(1000 / summary.mean, 1), errors };
    },
  );

  log('scenario 1: 50 connections');
  const fifty = await interleavedAutocannon(list, {
    connections: 50,
    durationS: cfg.durationS,
    rounds: cfg.rounds,
  });
  /** @param {'p50' | 'p99'} p */
  const added = (p) =>
    mapValues(oneConnection, (one) => round(one[p] - oneConnection.direct[p], 3));
  return {
    oneConnection,
    fiftyConnections: fifty,
    added: { p50: added('p50'), p99: added('p99') },
    throughputRatio: round(fifty.service.rps / fifty.proxy.rps),
    cpuMicrosPerRequest: fifty.service.cpuMicrosPerRequest,
  };
}

/**
 * 2. Non-streaming, provider latency 50 ms, 200 connections.
 *
 * @param {Bench} bench
 */
export async function slowProvider(bench) {
  const { cfg, log } = bench;
  await bench.fake.configure({ latencyMs: 50 });
  log('scenario 2: 50 ms provider, 200 connections');
  const results = await interleavedAutocannon(targets(bench, false), {
    connections: 200,
    durationS: cfg.durationS,
    rounds: cfg.rounds,
  });
  await bench.fake.configure({ latencyMs: 0 });
  return {
    results,
    addedP99: results.service.p99 - results.direct.p99,
    serviceErrors: results.service.errors + results.service.non2xx,
  };
}

/**
 * 3. Cache hits (identical body) against misses (a fresh body each request) on
 * a service started with the cache on, and against the same request to a
 * service with the cache off (what a miss costs without any cache work), all
 * three interleaved in the same rounds.
 *
 * @param {Bench} bench a service with ENABLE_CACHE=true
 * @param {Service} cacheOff a service with ENABLE_CACHE=false
 */
export async function cacheHits(bench, cacheOff) {
  const { cfg, log, service } = bench;
  await bench.fake.configure({ latencyMs: 0 });
  const url = `${service.origin}/api/v1/chat`;
  /** @type {Target} */
  const hit = {
    name: 'hit',
    url,
    body: JSON.stringify({ message: MESSAGE }),
    format: 'service',
    pid: service.proc.pid,
  };
  /** @type {Target} */
  const miss = {
    ...hit,
    name: 'miss',
    body: JSON.stringify({ message: `${MESSAGE} [<id>]` }),
    uniqueBodies: true,
  };

  /** @type {Target} */
  const uncached = {
    ...hit,
    name: 'uncached',
    url: `${cacheOff.origin}/api/v1/chat`,
    pid: cacheOff.proc.pid,
  };

  log('scenario 3: warm-up (hits only, counting provider calls)');
  const before = await bench.fake.stats();
  await warmup([hit], cfg.warmupS);
  const providerCallsDuringHits = (await bench.fake.stats()).completions - before.completions;
  await warmup([miss, uncached], cfg.warmupS);

  log('scenario 3: hits, misses and the cache-off service, 50 connections');
  const results = await interleavedAutocannon([hit, miss, uncached], {
    connections: 50,
    durationS: cfg.durationS,
    rounds: cfg.rounds,
  });
  return {
    results,
    providerCallsDuringHitWarmup: providerCallsDuringHits,
    hitOverMissCacheOff: round(results.hit.rps / results.uncached.rps),
    hitOverMissSameProcess: round(results.hit.rps / results.miss.rps),
  };
}

/**
 * 4. Streaming, 20 chunks 10 ms apart, 1 connection, requests interleaved one
 * by one. Per-chunk delay: from the fake's write of a chunk (stamped in its
 * content) to the load generator's read of it, so the fake's own timer jitter
 * is not counted; through `direct` it is the floor of two processes talking.
 * Forwarding time (from the gateway reading a chunk to writing it on) and
 * writes that coalesced chunks, seen inside the proxy and the service by the
 * chunk probe they were started with, on for the measured streams only.
 * Then streams at 50 connections with the chunks back to back: streams per
 * second and CPU per stream.
 *
 * @param {Bench} bench
 */
export async function streaming(bench) {
  const { cfg, log } = bench;
  const chunks = 20;
  const gapMs = 10;
  const probed = [bench.proxy, bench.service];
  // Streams run code that scenarios 1-3 never touched, and so does the chunk
  // probe. Both get V8's warm-up with each chunk in its own read, as measured:
  // otherwise the run times V8 compiling them, on the core the gateway runs on.
  log('scenario 4: warm-up');
  await bench.fake.configure({ latencyMs: 0, chunks, gapMs: WARMUP_GAP_MS });
  await Promise.all(probed.map(toggleChunkProbe));
  const warmupStreams = Math.ceil((cfg.warmupS * 1000) / (chunks * WARMUP_GAP_MS));
  await streams(bench, warmupStreams, chunks * WARMUP_GAP_MS);
  await Promise.all(probed.map(toggleChunkProbe));

  await bench.fake.configure({ latencyMs: 0, chunks, gapMs });
  log(`scenario 4: streaming, ${cfg.streamRequests} requests per target`);
  await Promise.all(probed.map(toggleChunkProbe));
  const runs = await streams(bench, cfg.streamRequests, chunks * gapMs);
  const [proxyProbe, serviceProbe] = await Promise.all(probed.map(toggleChunkProbe));
  /** @type {Record<string, { forwardMs: Record<string, number>, coalescedWrites: number }>} */
  const probes = { proxy: proxyProbe, service: serviceProbe };
  const perTarget = mapValues(runs, (list, name) => {
    const ok = list.filter((run) => run.complete && run.content.length === chunks);
    const probe = probes[name];
    return {
      ...(probe && {
        forward: forwardTimes(ok, probe.forwardMs),
        coalescedWrites: probe.coalescedWrites,
      }),
      requests: list.length,
      incomplete: list.length - ok.length,
      failures: [...new Set(list.map((run) => run.failure).filter(Boolean))],
      headers: summarize(ok.map((run) => run.headers)),
      firstByte: summarize(ok.map((run) => run.headers)),
      firstBodyByte: summarize(ok.map((run) => run.firstByte)),
      firstContent: summarize(ok.map((run) => run.content[0])),
      total: summarize(ok.map((run) => run.total)),
      chunkDelay: summarize(ok.flatMap((run) => run.transit)),
      batchedReads: ok.reduce((sum, run) => sum + run.batched, 0),
      reads: ok.reduce((sum, run) => sum + run.reads, 0),
    };
  });
  /** @param {string} name @param {'firstByte' | 'firstContent' | 'total'} metric */
  const added = (name, metric) => ({
    p50: round(perTarget[name][metric].p50 - perTarget.direct[metric].p50),
    p99: round(perTarget[name][metric].p99 - perTarget.direct[metric].p99),
  });

  log('scenario 4: streams at 50 connections, chunks back to back');
  await bench.fake.configure({ latencyMs: 0, chunks, gapMs: THROUGHPUT_GAP_MS });
  const list = targets(bench, true);
  await warmup(list, cfg.warmupS);
  const fiftyConnections = await interleavedAutocannon(list, {
    connections: 50,
    durationS: cfg.durationS,
    rounds: cfg.rounds,
  });
  await bench.fake.configure({ gapMs });
  return {
    chunks,
    gapMs,
    perTarget,
    added: mapValues(perTarget, (_, name) => ({
      firstByte: added(name, 'firstByte'),
      firstContent: added(name, 'firstContent'),
      total: added(name, 'total'),
    })),
    fiftyConnections,
  };
}

/**
 * Streams through every target in turn, one at a time, after a few untimed
 * ones per target.
 *
 * @param {Bench} bench
 * @param {number} requestsPerTarget
 * @param {number} streamMs how long one stream takes at the fake's settings
 * @returns {Promise<Record<string, any[]>>} each target's runs
 */
function streams(bench, requestsPerTarget, streamMs) {
  const plannedMs = requestsPerTarget * 3 * (streamMs + 50);
  return runLoad(
    {
      mode: 'stream',
      targets: targets(bench, true).map(wire),
      requestsPerTarget,
      warmupPerTarget: 5,
    },
    plannedMs + LOAD_MARGIN_MS,
  );
}

/**
 * The chunk probe's forwarding times of the measured streams' chunks, and how
 * many of their stamped chunks it did not see whole (a stamp split across two
 * reads).
 *
 * @param {{ stamps: string[] }[]} runs
 * @param {Record<string, number>} forwardMsByStamp
 */
function forwardTimes(runs, forwardMsByStamp) {
  const stamps = runs.flatMap((run) => run.stamps);
  const times = stamps.map((stamp) => forwardMsByStamp[stamp]).filter((ms) => ms !== undefined);
  return { ...summarize(times), unmatched: stamps.length - times.length };
}

/**
 * Connects to the service's inspector when it has one; memory readings then
 * follow a forced full GC and include the V8 heap.
 *
 * @param {Service} service
 */
async function inspectorOf(service) {
  if (!service.inspectPort) return null;
  return connectInspector(service.inspectPort).catch(() => null);
}

/**
 * 5. Many SSE streams open at once through the service: peak RSS (sampled
 * every 50 ms, and the kernel's high-water mark), the heap halfway through,
 * and whether every stream ended with its final `finished: true` event.
 *
 * @param {Bench} bench a fresh service, started with an inspector
 */
export async function openStreams(bench) {
  const { cfg, log, service } = bench;
  const chunks = 20;
  const rampMs = 500;
  await bench.fake.configure({ latencyMs: 0, chunks, gapMs: cfg.openStreamGapMs });
  const target = named(targets(bench, true), 'service');
  await warmup([named(targets(bench, false), 'service')], 1);
  const inspector = await inspectorOf(service);
  await inspector?.collectGarbage();
  const baseline = memory(service.proc.pid);
  const baselineHeap = (await inspector?.memoryUsage())?.heapUsed ?? null;

  log(`scenario 5: ${cfg.openStreams} streams open at once`);
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, memory(service.proc.pid)?.rss ?? 0);
  }, 50);
  const streamMs = (chunks - 1) * cfg.openStreamGapMs;
  const heapMidway = delay(rampMs + streamMs / 2)
    .then(() => inspector?.memoryUsage())
    .catch(() => undefined);
  try {
    const result = await runLoad(
      {
        mode: 'concurrentStreams',
        target: { name: 'service', url: target.url, body: target.body, format: target.format },
        count: cfg.openStreams,
        rampMs,
        timeoutMs: streamMs + 30_000,
      },
      streamMs + rampMs + LOAD_MARGIN_MS,
    );
    const peak = memory(service.proc.pid);
    return {
      streams: result.count,
      complete: result.complete,
      failures: result.failures,
      streamDuration: summarize(result.totals),
      minContentEvents: Math.min(...result.contentEvents),
      baselineRss: baseline?.rss ?? null,
      baselineHeapUsed: baselineHeap,
      peakRss: peak ? Math.max(sampledPeak, peak.peakRss) : null,
      heapUsedMidway: (await heapMidway)?.heapUsed ?? null,
    };
  } finally {
    clearInterval(sampler);
    inspector?.close();
    await bench.fake.configure({ gapMs: 10 });
  }
}

/**
 * 6. Many non-streaming requests in a row on a fresh service: memory after a
 * forced GC before, halfway and after (the second half shows growth once the
 * conversation store, an LRU of CONVERSATION_MAX_COUNT, may have filled up).
 * Each half stops after cfg.leakMaxS even if it has not sent all its requests.
 *
 * @param {Bench} bench a fresh service, started with an inspector
 */
export async function manyRequests(bench) {
  const { cfg, log, service } = bench;
  await bench.fake.configure({ latencyMs: 0 });
  const target = named(targets(bench, false), 'service');
  const inspector = await inspectorOf(service);
  const snapshot = async () => {
    await inspector?.collectGarbage();
    await inspector?.collectGarbage();
    await delay(cfg.pauseMs);
    return {
      rss: memory(service.proc.pid)?.rss ?? null,
      heapUsed: (await inspector?.memoryUsage())?.heapUsed ?? null,
    };
  };
  /** @param {number} amount @param {number} maxDurationS */
  const burst = (amount, maxDurationS) =>
    runLoad(
      autocannonJob(target, { connections: 50, amount, maxDurationS }),
      maxDurationS * 1000 + LOAD_MARGIN_MS,
    );
  try {
    log('scenario 6: warm-up');
    await burst(2000, 10);
    const before = await snapshot();
    const half = Math.ceil(cfg.leakRequests / 2);
    log(`scenario 6: ${cfg.leakRequests} requests`);
    const first = await burst(half, cfg.leakMaxS);
    const middle = await snapshot();
    const second = await burst(cfg.leakRequests - half, cfg.leakMaxS);
    const after = await snapshot();
    /** @param {number | null} a @param {number | null} b */
    const diff = (a, b) => (a === null || b === null ? null : b - a);
    return {
      planned: cfg.leakRequests,
      requests: first.requests + second.requests,
      cappedAtS: first.capped || second.capped ? cfg.leakMaxS : null,
      errors:
        first.errors +
        first.timeouts +
        first.non2xx +
        second.errors +
        second.timeouts +
        second.non2xx,
      gcForced: inspector !== null,
      before,
      middle,
      after,
      rssGrowth: diff(before.rss, after.rss),
      secondHalfRssGrowth: diff(middle.rss, after.rss),
      heapGrowth: diff(before.heapUsed, after.heapUsed),
    };
  } finally {
    inspector?.close();
  }
}

/**
 * 7. Redis on the path (REDIS_URL, cache on): how many round trips to Redis a
 * chat request waits on, and in which of them its cache lookup is answered.
 * One connection, requests in a row, through the counting relay: first turns
 * and later turns of one conversation, each a new question, so each a miss.
 *
 * @param {Bench} bench a service whose REDIS_URL is the counter's
 * @param {import('./redis.mjs').RoundTripCounter} counter
 */
export async function redisRoundTrips(bench, counter) {
  const { cfg, log, service } = bench;
  await bench.fake.configure({ latencyMs: 0 });
  /** @param {Record<string, unknown>} body */
  const chat = async (body) => {
    const res = await postJson(`${service.origin}/api/v1/chat`, body);
    if (res.status !== 200) throw new Error(`scenario 7: HTTP ${res.status}`);
    return /** @type {{ conversation_id: string }} */ (JSON.parse(res.text));
  };
  /** @param {Record<string, unknown>} body */
  const measured = async (body) => {
    counter.start();
    const started = performance.now();
    await chat(body);
    return { ms: performance.now() - started, ...counter.stop() };
  };
  /** @param {Awaited<ReturnType<typeof measured>>[]} list */
  const summary = (list) => ({
    trips: median(list.map((one) => one.trips)),
    cacheReadTrip: median(list.map((one) => one.cacheReadTrip)),
    latency: summarize(list.map((one) => one.ms)),
  });

  log('scenario 7: warm-up');
  const { conversation_id } = await chat({ message: MESSAGE });
  for (let i = 0; i < cfg.redisRequests; i++) {
    await chat({ message: `${MESSAGE} (warm-up ${i})` });
    await chat({ message: `${MESSAGE} (warm-up ${i}, later)`, conversation_id });
  }
  log(`scenario 7: ${cfg.redisRequests} first and later turns`);
  const firstTurns = [];
  const laterTurns = [];
  for (let i = 0; i < cfg.redisRequests; i++) {
    firstTurns.push(await measured({ message: `${MESSAGE} (${i})` }));
    laterTurns.push(await measured({ message: `${MESSAGE} (${i}, later)`, conversation_id }));
  }
  return {
    requests: cfg.redisRequests,
    delayMs: cfg.redisDelayMs,
    firstTurn: summary(firstTurns),
    laterTurn: summary(laterTurns),
  };
}

/**
 * 8. Where the service's cost lies: the bare proxy, the SDK floors
 * (sdk-floor.mjs: the same SDK call behind Express alone, and behind a bare
 * Nest controller on Express) and the service, at 50 connections, interleaved.
 *
 * @param {Bench} bench
 * @param {Record<string, Endpoint>} floors by name
 */
export async function sdkFloors(bench, floors) {
  const { cfg, log } = bench;
  await bench.fake.configure({ latencyMs: 0 });
  const proxy = named(targets(bench, false), 'proxy');
  const service = named(targets(bench, false), 'service');
  /** @type {Target[]} */
  const floorTargets = Object.entries(floors).map(([name, floor]) => ({
    name,
    url: `${floor.origin}/api/v1/chat`,
    body: service.body,
    format: 'service',
    pid: floor.proc.pid,
  }));
  const list = [proxy, ...floorTargets, service];
  log('scenario 8: warm-up');
  await warmup(list, cfg.warmupS);
  log('scenario 8: 50 connections');
  const fifty = await interleavedAutocannon(list, {
    connections: 50,
    durationS: cfg.durationS,
    rounds: cfg.rounds,
  });
  return mapValues(fifty, (result) => ({
    ...result,
    ofProxy: round(result.rps / fifty.proxy.rps),
  }));
}

/**
 * Turns the scenarios' raw numbers into target checks, a Markdown table and
 * the JSON record.
 */
import { mib, round } from './stats.mjs';

const MiB = 1024 * 1024;

/**
 * The targets. Each reads its number from the results; a scenario that
 * did not run gives undefined and the check is left out.
 */
const TARGETS = [
  {
    id: 'added_p50_1conn',
    label: 'added p50 at 1 connection',
    target: '≤ 1.0 ms',
    /** @param {any} r */ value: (r) => r.nonStreaming?.addedP50,
    /** @param {number} v */ pass: (v) => v <= 1.0,
  },
  {
    id: 'throughput_ratio_50conn',
    label: 'throughput vs bare proxy at 50 connections',
    target: '≥ 35% (moonshot 50%)',
    /** @param {any} r */ value: (r) => r.nonStreaming?.throughputRatio,
    /** @param {number} v */ pass: (v) => v >= 0.35,
  },
  {
    id: 'cpu_per_request',
    label: 'service CPU per request at 50 connections',
    target: '≤ 400 µs',
    /** @param {any} r */ value: (r) => r.nonStreaming?.cpuMicrosPerRequest,
    /** @param {number} v */ pass: (v) => v <= 400,
  },
  {
    id: 'added_first_content_p50',
    label: 'added time to first content event p50',
    target: '≤ 3 ms',
    /** @param {any} r */ value: (r) => r.streaming?.added.service.firstContent.p50,
    /** @param {number} v */ pass: (v) => v <= 3,
  },
  {
    id: 'chunk_forward_p99',
    label: 'per-chunk forwarding p99 (service reads the chunk to writes its event)',
    target: '≤ 1 ms',
    /** @param {any} r */ value: (r) => r.streaming?.perTarget.service.forward.p99,
    /** @param {number} v */ pass: (v) => v <= 1,
  },
  {
    id: 'no_batching',
    label: 'service writes carrying chunks that came in separate reads',
    target: '0 (no batching)',
    /** @param {any} r */ value: (r) => r.streaming?.perTarget.service.coalescedWrites,
    /** @param {number} v */ pass: (v) => v === 0,
  },
  {
    id: 'cache_hit_ratio',
    label: 'cache hit throughput vs the same request with the cache off (same rounds)',
    target: '≥ 2×',
    /** @param {any} r */ value: (r) => r.cacheHits?.hitOverMissCacheOff,
    /** @param {number} v */ pass: (v) => v >= 2,
  },
  {
    id: 'open_streams_complete',
    label: 'open streams that completed with finished: true',
    target: 'all',
    /** @param {any} r */ value: (r) =>
      r.openStreams && r.openStreams.streams - r.openStreams.complete,
    /** @param {number} v */ pass: (v) => v === 0,
  },
  {
    id: 'open_streams_rss',
    label: 'peak RSS with the streams open',
    target: '≤ 300 MiB',
    /** @param {any} r */ value: (r) => r.openStreams?.peakRss ?? undefined,
    /** @param {number} v */ pass: (v) => v <= 300 * MiB,
  },
  {
    id: 'rss_growth',
    label: 'RSS growth over the requests in a row',
    target: '≤ 20 MiB',
    /** @param {any} r */ value: (r) => r.manyRequests?.rssGrowth ?? undefined,
    /** @param {number} v */ pass: (v) => v <= 20 * MiB,
  },
  {
    id: 'redis_rate_limit_and_cache',
    label: 'Redis round trips until a first turn has its rate-limit count and cache lookup',
    target: '1',
    /** @param {any} r */ value: (r) => r.redisRoundTrips?.firstTurn.cacheReadTrip,
    /** @param {number} v */ pass: (v) => v === 1,
  },
];

/**
 * @param {any} results
 * @returns {{ id: string, label: string, value: number, target: string, pass: boolean }[]}
 */
export function checkTargets(results) {
  return TARGETS.flatMap(({ id, label, target, value, pass }) => {
    const v = value(results);
    return typeof v === 'number' && Number.isFinite(v)
      ? [{ id, label, value: v, target, pass: pass(v) }]
      : [];
  });
}

/** @param {boolean | undefined} pass */
const mark = (pass) => (pass === undefined ? '' : pass ? '✅' : '❌');

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
function num(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * Added milliseconds, to the microsecond: next to a 1 ms target, 1.001 must not read as 1.
 *
 * @param {number | null | undefined} value
 */
const signed = (value) =>
  value === null || value === undefined ? '—' : `${value >= 0 ? '+' : ''}${num(value, 3)}`;
/** @param {number | null | undefined} value */
const pct = (value) => (value === null || value === undefined ? '—' : `${num(value * 100, 0)}%`);
/** @param {number | null | undefined} bytes */
const mibText = (bytes) =>
  bytes === null || bytes === undefined ? '—' : `${num(mib(bytes), 1)} MiB`;

/**
 * @param {{ results: any, checks: ReturnType<typeof checkTargets>, meta: any }} report
 * @returns {string}
 */
export function renderMarkdown({ results, checks, meta }) {
  const byId = new Map(checks.map((c) => [c.id, c.pass]));
  /** @type {string[][]} */
  const rows = [];
  /** @param {string[]} cells */
  const row = (...cells) => rows.push(cells);

  const s1 = results.nonStreaming;
  if (s1) {
    const one = s1.oneConnection;
    const fifty = s1.fiftyConnections;
    const scenario = '1 · JSON, 0 ms provider';
    row(
      scenario,
      '1 conn: p50 latency (ms)',
      num(one.direct.p50, 3),
      num(one.proxy.p50, 3),
      num(one.service.p50, 3),
      `${signed(s1.addedP50)} ms (proxy ${signed(s1.proxyAddedP50)})`,
      'added ≤ 1.0 ms',
      mark(byId.get('added_p50_1conn')),
    );
    row(
      scenario,
      '1 conn: p99 latency (ms)',
      num(one.direct.p99, 3),
      num(one.proxy.p99, 3),
      num(one.service.p99, 3),
      `${signed(s1.addedP99)} ms (proxy ${signed(s1.proxyAddedP99)})`,
      '',
      '',
    );
    row(
      scenario,
      '1 conn: req/s',
      num(one.direct.rps, 0),
      num(one.proxy.rps, 0),
      num(one.service.rps, 0),
      '',
      '',
      '',
    );
    row(
      scenario,
      '50 conn: req/s',
      num(fifty.direct.rps, 0),
      num(fifty.proxy.rps, 0),
      num(fifty.service.rps, 0),
      `${pct(s1.throughputRatio)} of proxy`,
      '≥ 35% of proxy',
      mark(byId.get('throughput_ratio_50conn')),
    );
    row(
      scenario,
      '50 conn: p50 / p99 (ms)',
      latencyPair(fifty.direct),
      latencyPair(fifty.proxy),
      latencyPair(fifty.service),
      '',
      '',
      '',
    );
    row(
      scenario,
      '50 conn: CPU µs per request',
      num(fifty.direct.cpuMicrosPerRequest, 0),
      num(fifty.proxy.cpuMicrosPerRequest, 0),
      num(fifty.service.cpuMicrosPerRequest, 0),
      '',
      '≤ 400 µs',
      mark(byId.get('cpu_per_request')),
    );
    row(
      scenario,
      'errors + non-2xx',
      errorsOf(one.direct, fifty.direct),
      errorsOf(one.proxy, fifty.proxy),
      errorsOf(one.service, fifty.service),
      '',
      '',
      '',
    );
  }

  const s2 = results.slowProvider;
  if (s2) {
    const r = s2.results;
    const scenario = '2 · JSON, 50 ms provider, 200 conn';
    row(
      scenario,
      'p99 latency (ms)',
      num(r.direct.p99),
      num(r.proxy.p99),
      num(r.service.p99),
      `${signed(s2.addedP99)} ms`,
      '',
      '',
    );
    row(
      scenario,
      'req/s',
      num(r.direct.rps, 0),
      num(r.proxy.rps, 0),
      num(r.service.rps, 0),
      '',
      '',
      '',
    );
    row(
      scenario,
      'errors + non-2xx',
      String(r.direct.errors + r.direct.non2xx),
      String(r.proxy.errors + r.proxy.non2xx),
      String(s2.serviceErrors),
      '',
      '0',
      mark(s2.serviceErrors === 0),
    );
  }

  const s3 = results.cacheHits;
  if (s3) {
    const scenario = '3 · cache hit, 50 conn';
    const vs = `${num(s3.hitOverMissCacheOff)}× cache off, ${num(s3.hitOverMissSameProcess)}× miss`;
    row(
      scenario,
      'req/s (hit)',
      '—',
      '—',
      num(s3.results.hit.rps, 0),
      vs,
      '≥ 2× cache off',
      mark(byId.get('cache_hit_ratio')),
    );
    row(
      scenario,
      'p50 / p99 (ms), hit · miss · cache off',
      '—',
      '—',
      `${latencyPair(s3.results.hit)} · ${latencyPair(s3.results.miss)} · ${latencyPair(s3.results.uncached)}`,
      '',
      '',
      '',
    );
    row(
      scenario,
      'provider calls during hit warm-up',
      '—',
      '—',
      String(s3.providerCallsDuringHitWarmup),
      '',
      '',
      '',
    );
  }

  const s4 = results.streaming;
  if (s4) {
    const t = s4.perTarget;
    const scenario = `4 · SSE ${s4.chunks}×${s4.gapMs} ms, 1 conn`;
    /** @param {'firstByte' | 'firstContent' | 'total'} metric */
    const pair = (metric) => /** @param {string} name */ (name) =>
      `${num(t[name][metric].p50)} / ${num(t[name][metric].p99)}`;
    /** @param {'firstByte' | 'firstContent' | 'total'} metric */
    const addedPair = (metric) =>
      `${signed(s4.added.service[metric].p50)} / ${signed(s4.added.service[metric].p99)} ms (proxy ${signed(s4.added.proxy[metric].p50)} / ${signed(s4.added.proxy[metric].p99)})`;
    for (const [metric, label, target, id] of /** @type {const} */ ([
      ['firstByte', 'first byte (headers) p50 / p99 (ms)', '', ''],
      [
        'firstContent',
        'first content event p50 / p99 (ms)',
        'added p50 ≤ 3 ms',
        'added_first_content_p50',
      ],
      ['total', 'total p50 / p99 (ms)', '', ''],
    ])) {
      const cell = pair(metric);
      row(
        scenario,
        label,
        cell('direct'),
        cell('proxy'),
        cell('service'),
        addedPair(metric),
        target,
        id ? mark(byId.get(id)) : '',
      );
    }
    row(
      scenario,
      'per-chunk forwarding p50 / p99 (ms): read from the provider to written to the client',
      '—',
      latencyPair(t.proxy.forward),
      latencyPair(t.service.forward),
      '',
      'p99 ≤ 1 ms',
      mark(byId.get('chunk_forward_p99')),
    );
    row(
      scenario,
      'per-chunk delay p50 / p99 (ms): fake provider write to client read',
      latencyPair(t.direct.chunkDelay),
      latencyPair(t.proxy.chunkDelay),
      latencyPair(t.service.chunkDelay),
      '',
      '',
      '',
    );
    row(
      scenario,
      'gateway writes coalescing chunks read apart',
      '—',
      String(t.proxy.coalescedWrites),
      String(t.service.coalescedWrites),
      '',
      '0',
      mark(byId.get('no_batching')),
    );
    row(
      scenario,
      'client reads with > 1 content event',
      batching(t.direct),
      batching(t.proxy),
      batching(t.service),
      '',
      '',
      '',
    );
    row(
      scenario,
      'incomplete streams',
      String(t.direct.incomplete),
      String(t.proxy.incomplete),
      String(t.service.incomplete),
      '',
      '0',
      mark(t.service.incomplete === 0),
    );
  }

  const s5 = results.openStreams;
  if (s5) {
    const scenario = `5 · ${num(s5.streams, 0)} open SSE streams`;
    row(
      scenario,
      'completed with finished: true',
      '—',
      '—',
      `${s5.complete} / ${s5.streams}`,
      '',
      'all',
      mark(byId.get('open_streams_complete')),
    );
    row(
      scenario,
      'peak RSS (baseline)',
      '—',
      '—',
      `${mibText(s5.peakRss)} (${mibText(s5.baselineRss)})`,
      `heap used midway ${mibText(s5.heapUsedMidway)}`,
      '≤ 300 MiB',
      mark(byId.get('open_streams_rss')),
    );
    row(
      scenario,
      'stream duration p50 / p99 (ms)',
      '—',
      '—',
      `${num(s5.streamDuration.p50, 0)} / ${num(s5.streamDuration.p99, 0)}`,
      '',
      '',
      '',
    );
  }

  const s6 = results.manyRequests;
  if (s6) {
    const capped = s6.cappedAtS
      ? ` (of ${num(s6.planned, 0)}: capped at ${s6.cappedAtS} s per half)`
      : '';
    const scenario = `6 · ${num(s6.requests, 0)} requests in a row${capped}`;
    row(
      scenario,
      `RSS growth${s6.gcForced ? ' after GC' : ''}`,
      '—',
      '—',
      `${signed(s6.rssGrowth === null ? null : mib(s6.rssGrowth))} MiB (${mibText(s6.before.rss)} → ${mibText(s6.after.rss)})`,
      `2nd half ${signed(s6.secondHalfRssGrowth === null ? null : mib(s6.secondHalfRssGrowth))} MiB; heap ${signed(s6.heapGrowth === null ? null : mib(s6.heapGrowth))} MiB`,
      '≤ 20 MiB',
      mark(byId.get('rss_growth')),
    );
    row(scenario, 'errors + non-2xx', '—', '—', String(s6.errors), '', '0', mark(s6.errors === 0));
  }

  const s7 = results.redisRoundTrips;
  if (s7) {
    const hop = s7.delayMs > 0 ? `, +${num(s7.delayMs)} ms each way` : '';
    const scenario = `7 · Redis on the path (cache on${hop}), ${num(s7.requests, 0)} of each turn in a row`;
    /** @param {string} turn @param {any} r @param {string} target @param {string} passMark */
    const turnRow = (turn, r, target, passMark) =>
      row(
        scenario,
        `${turn}: round trip with the cache reply / round trips in all`,
        '—',
        '—',
        `${num(r.cacheReadTrip, 0)} / ${num(r.trips, 0)}`,
        `p50 / p99 ${latencyPair(r.latency)} ms`,
        target,
        passMark,
      );
    turnRow('first turn', s7.firstTurn, '1', mark(byId.get('redis_rate_limit_and_cache')));
    turnRow('later turn (history first)', s7.laterTurn, '', '');
  }

  const s8 = results.sdkFloors;
  if (s8) {
    const scenario = '8 · where the cost lies, JSON, 50 conn';
    const proxy = `${num(s8.proxy.rps, 0)} · ${num(s8.proxy.cpuMicrosPerRequest, 0)}`;
    /** @param {string} what @param {any} r */
    const floorRow = (what, r) =>
      row(
        scenario,
        `${what}: req/s · CPU µs per request`,
        '—',
        proxy,
        `${num(r.rps, 0)} · ${num(r.cpuMicrosPerRequest, 0)}`,
        `${pct(r.ofProxy)} of proxy`,
        '',
        '',
      );
    floorRow('the SDK call behind a Fastify route, nothing else', s8.fastifySdk);
    floorRow('the SDK call behind a bare Nest controller', s8.nestSdk);
    floorRow('the service', s8.service);
  }

  const header = [
    'Scenario',
    'Metric',
    'Direct',
    'Bare proxy',
    'Service',
    'Service vs',
    'Target',
    '',
  ];
  const table = [header, header.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  const passed = checks.filter((c) => c.pass).length;
  return [
    `## Benchmark ${meta.date}${meta.quick ? ' (quick run: smoke check only)' : ''}`,
    '',
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${num(meta.machine.memoryGiB, 1)} GiB, Node ${meta.machine.node}, ${meta.machine.platform}; load average at start ${meta.machine.loadAverage.join(' / ')}.`,
    `Pinning: ${meta.pinning}.`,
    `Service features: ${featuresText(meta.features)}.`,
    `Run: ${meta.config.rounds} interleaved round(s) × ${meta.config.durationS} s per target; ${meta.config.streamRequests} streams per target in scenario 4.`,
    '',
    table,
    '',
    `Targets met: ${passed} / ${checks.length}.`,
    ...(results.profile ? ['', profileText(results.profile)] : []),
    '',
  ].join('\n');
}

/** @param {any} r */
const latencyPair = (r) => `${num(r.p50)} / ${num(r.p99)}`;
/** @param {any} t */
const batching = (t) => `${t.batchedReads} of ${t.reads} reads`;
/** @param {any} one @param {any} fifty */
const errorsOf = (one, fifty) => String(one.errors + fifty.errors + fifty.non2xx);

/** @param {Record<string, unknown>} features */
function featuresText(features) {
  return Object.entries(features)
    .map(
      ([name, value]) =>
        `${name}: ${value === true ? 'on' : value === false ? 'off' : String(value)}`,
    )
    .join(', ');
}

/**
 * @typedef {{ frame: string, selfMs: number, percent: number }} ProfileEntry
 * @param {{ file: string, busyMs: number, startupMs: number, frames: ProfileEntry[], packages: ProfileEntry[] }} profile
 */
function profileText(profile) {
  /** @param {ProfileEntry[]} list */
  const lines = (list) =>
    list.map((f, i) => `${i + 1}. ${num(f.percent, 1)}% (${num(f.selfMs, 0)} ms) \`${f.frame}\``);
  return [
    `Service CPU profile \`${profile.file}\`: ${num(profile.busyMs, 0)} ms busy after start-up (${num(profile.startupMs, 0)} ms of start-up left out).`,
    '',
    'Top self-time frames:',
    '',
    ...lines(profile.frames),
    '',
    'Self time by package:',
    '',
    ...lines(profile.packages),
  ].join('\n');
}

/**
 * @param {{ results: any, checks: ReturnType<typeof checkTargets>, meta: any }} report
 */
export function toJson({ results, checks, meta }) {
  return {
    ...meta,
    checks,
    summary: {
      addedP50Ms1Conn: results.nonStreaming?.addedP50 ?? null,
      throughputRatioVsProxy: results.nonStreaming?.throughputRatio ?? null,
      cpuMicrosPerRequest: results.nonStreaming?.cpuMicrosPerRequest ?? null,
      addedFirstContentP50Ms: results.streaming?.added.service.firstContent.p50 ?? null,
      chunkForwardP99Ms: results.streaming?.perTarget.service.forward.p99 ?? null,
      chunkDelayP99Ms: results.streaming?.perTarget.service.chunkDelay.p99 ?? null,
      cacheHitOverMiss: results.cacheHits?.hitOverMissCacheOff ?? null,
      cacheHitOverMissSameProcess: results.cacheHits?.hitOverMissSameProcess ?? null,
      openStreamsComplete: results.openStreams
        ? `${results.openStreams.complete}/${results.openStreams.streams}`
        : null,
      openStreamsPeakRssMiB: results.openStreams?.peakRss ? mib(results.openStreams.peakRss) : null,
      rssGrowthMiB:
        typeof results.manyRequests?.rssGrowth === 'number'
          ? round(results.manyRequests.rssGrowth / MiB, 1)
          : null,
      sdkFloorsOfProxy: results.sdkFloors
        ? Object.fromEntries(
            Object.entries(results.sdkFloors).map(([name, r]) => [name, r.ofProxy]),
          )
        : null,
    },
    results,
  };
}

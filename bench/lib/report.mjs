/**
 * Turns the scenarios' raw numbers into target checks, a Markdown table and
 * the JSON record.
 */
import { mib, round } from './stats.mjs';

const MiB = 1024 * 1024;

/** @param {any} r @param {'rps' | 'cpuMicrosPerRequest'} field service's over Portkey's */
const ofPortkey = (r, field) =>
  r?.portkey && r.service ? r.service[field] / r.portkey[field] : undefined;

/**
 * The service's highest resident memory over the readings after its runs (JSON, then streams).
 *
 * @param {any} r
 */
const serviceRss = (r) => {
  const readings = [r.memory?.afterJson?.service, r.memory?.afterStreams?.service];
  const known = readings.filter((v) => typeof v === 'number');
  return known.length > 0 ? Math.max(...known) : undefined;
};

/**
 * The targets. Each reads its number from the results; a scenario that
 * did not run gives undefined and the check is left out.
 */
const TARGETS = [
  {
    id: 'rps_vs_portkey',
    label: 'req/s against Portkey, JSON at 50 connections',
    target: '≥ 2×',
    /** @param {any} r */ value: (r) => ofPortkey(r.nonStreaming?.fiftyConnections, 'rps'),
    /** @param {number} v */ pass: (v) => v >= 2,
  },
  {
    id: 'streams_vs_portkey',
    label: 'streams/s against Portkey, SSE at 50 connections',
    target: '≥ 1.3×',
    /** @param {any} r */ value: (r) => ofPortkey(r.streaming?.fiftyConnections, 'rps'),
    /** @param {number} v */ pass: (v) => v >= 1.3,
  },
  {
    id: 'cpu_vs_portkey',
    label: "CPU per request against Portkey's, JSON at 50 connections",
    target: '≤ 50%',
    /** @param {any} r */ value: (r) =>
      ofPortkey(r.nonStreaming?.fiftyConnections, 'cpuMicrosPerRequest'),
    /** @param {number} v */ pass: (v) => v <= 0.5,
  },
  {
    id: 'added_p50_1conn',
    label: 'added p50 over direct at 1 connection',
    target: '≤ 0.6 ms',
    /** @param {any} r */ value: (r) => r.nonStreaming?.added.p50.service,
    /** @param {number} v */ pass: (v) => v <= 0.6,
  },
  {
    id: 'rss_after_bench',
    label: 'service RSS after its JSON and stream runs (the higher reading)',
    target: '≤ 300 MiB',
    /** @param {any} r */ value: serviceRss,
    /** @param {number} v */ pass: (v) => v <= 300 * MiB,
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

/** The gateways of the main table's columns, in order. */
const COLUMNS = ['direct', 'proxy', 'portkey', 'service'];
const NONE = COLUMNS.map(() => '—');

/**
 * One cell per column, from the column's results; '—' where a target did not run.
 *
 * @param {Record<string, any> | undefined} byTarget
 * @param {(r: any) => string} cell
 */
const cells = (byTarget, cell) =>
  COLUMNS.map((name) => (byTarget?.[name] ? cell(byTarget[name]) : '—'));

/**
 * Only the service's cell.
 *
 * @param {string} text
 */
const serviceOnly = (text) => [...NONE.slice(0, -1), text];

/**
 * @param {{ results: any, checks: ReturnType<typeof checkTargets>, meta: any }} report
 * @returns {string}
 */
export function renderMarkdown({ results, checks, meta }) {
  const byId = new Map(checks.map((c) => [c.id, c.pass]));
  /** @type {string[][]} */
  const rows = [];
  /**
   * @param {string} scenario
   * @param {string} metric
   * @param {string[]} values one per column
   * @param {string} [vs]
   * @param {string} [target]
   * @param {string} [passMark]
   */
  const row = (scenario, metric, values, vs = '', target = '', passMark = '') =>
    rows.push([scenario, metric, ...values, vs, target, passMark]);

  const s1 = results.nonStreaming;
  if (s1) {
    const one = s1.oneConnection;
    const fifty = s1.fiftyConnections;
    const scenario = '1 · JSON, 0 ms provider';
    /** @param {'p50' | 'p99'} p */
    const addedText = (p) =>
      `${signed(s1.added[p].service)} ms (proxy ${signed(s1.added[p].proxy)}, Portkey ${signed(s1.added[p].portkey)})`;
    row(
      scenario,
      '1 conn: p50 latency (ms)',
      cells(one, (r) => num(r.p50, 3)),
      addedText('p50'),
      'added ≤ 0.6 ms',
      mark(byId.get('added_p50_1conn')),
    );
    row(
      scenario,
      '1 conn: p99 latency (ms)',
      cells(one, (r) => num(r.p99, 3)),
      addedText('p99'),
    );
    row(
      scenario,
      '1 conn: req/s',
      cells(one, (r) => num(r.rps, 0)),
    );
    row(
      scenario,
      '50 conn: req/s',
      cells(fifty, (r) => num(r.rps, 0)),
      `${pct(s1.throughputRatio)} of proxy, ${times(ofPortkey(fifty, 'rps'))} Portkey`,
      '≥ 2× Portkey',
      mark(byId.get('rps_vs_portkey')),
    );
    row(scenario, '50 conn: p50 / p99 (ms)', cells(fifty, latencyPair));
    row(
      scenario,
      '50 conn: CPU µs per request',
      cells(fifty, (r) => num(r.cpuMicrosPerRequest, 0)),
      `${pct(ofPortkey(fifty, 'cpuMicrosPerRequest'))} of Portkey's`,
      "≤ 50% of Portkey's",
      mark(byId.get('cpu_vs_portkey')),
    );
    row(
      scenario,
      'errors + non-2xx',
      COLUMNS.map((name) => (one[name] ? errorsOf(one[name], fifty[name]) : '—')),
    );
  }

  const s2 = results.slowProvider;
  if (s2) {
    const r = s2.results;
    const scenario = '2 · JSON, 50 ms provider, 200 conn';
    row(
      scenario,
      'p99 latency (ms)',
      cells(r, (t) => num(t.p99)),
      `${signed(s2.addedP99)} ms`,
    );
    row(
      scenario,
      'req/s',
      cells(r, (t) => num(t.rps, 0)),
    );
    row(
      scenario,
      'errors + non-2xx',
      cells(r, (t) => String(t.errors + t.non2xx)),
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
      serviceOnly(num(s3.results.hit.rps, 0)),
      vs,
      '≥ 2× cache off',
      mark(byId.get('cache_hit_ratio')),
    );
    row(
      scenario,
      'p50 / p99 (ms), hit · miss · cache off',
      serviceOnly(
        `${latencyPair(s3.results.hit)} · ${latencyPair(s3.results.miss)} · ${latencyPair(s3.results.uncached)}`,
      ),
    );
    row(
      scenario,
      'provider calls during hit warm-up',
      serviceOnly(String(s3.providerCallsDuringHitWarmup)),
    );
  }

  const s4 = results.streaming;
  if (s4) {
    const t = s4.perTarget;
    const scenario = `4 · SSE ${s4.chunks}×${s4.gapMs} ms, 1 conn`;
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
      row(
        scenario,
        label,
        cells(t, (r) => latencyPair(r[metric])),
        addedPair(metric),
        target,
        id ? mark(byId.get(id)) : '',
      );
    }
    row(
      scenario,
      'per-chunk forwarding p50 / p99 (ms): read from the provider to written to the client',
      cells(t, (r) => (r.forward ? latencyPair(r.forward) : '—')),
      '',
      'p99 ≤ 1 ms',
      mark(byId.get('chunk_forward_p99')),
    );
    row(
      scenario,
      'per-chunk delay p50 / p99 (ms): fake provider write to client read',
      cells(t, (r) => latencyPair(r.chunkDelay)),
    );
    row(
      scenario,
      'gateway writes coalescing chunks read apart',
      cells(t, (r) => (r.coalescedWrites === undefined ? '—' : String(r.coalescedWrites))),
      '',
      '0',
      mark(byId.get('no_batching')),
    );
    row(scenario, 'client reads with > 1 content event', cells(t, batching));
    row(
      scenario,
      'incomplete streams',
      cells(t, (r) => String(r.incomplete)),
      '',
      '0',
      mark(t.service.incomplete === 0),
    );
    const fifty = s4.fiftyConnections;
    if (fifty) {
      const streams50 = `4 · SSE ${s4.chunks} chunks back to back, 50 conn`;
      row(
        streams50,
        'streams/s',
        cells(fifty, (r) => num(r.rps, 0)),
        `${times(ofPortkey(fifty, 'rps'))} Portkey`,
        '≥ 1.3× Portkey',
        mark(byId.get('streams_vs_portkey')),
      );
      row(
        streams50,
        'CPU µs per stream',
        cells(fifty, (r) => num(r.cpuMicrosPerRequest, 0)),
        `${pct(ofPortkey(fifty, 'cpuMicrosPerRequest'))} of Portkey's`,
      );
      row(
        streams50,
        'errors + non-2xx',
        cells(fifty, (r) => String(r.errors + r.non2xx)),
      );
    }
  }

  const memory = results.memory;
  if (memory?.afterJson || memory?.afterStreams) {
    const scenario = 'memory of the processes of scenarios 1, 2 and 4';
    /** @param {Record<string, number | null> | undefined} reading */
    const rssCells = (reading) =>
      COLUMNS.map((name) => (reading && name in reading ? mibText(reading[name]) : '—'));
    if (memory.afterJson) row(scenario, 'RSS after the JSON runs', rssCells(memory.afterJson));
    if (memory.afterStreams) {
      row(scenario, 'RSS after the streams', rssCells(memory.afterStreams));
    }
    row(
      scenario,
      'service RSS, the higher reading',
      serviceOnly(mibText(serviceRss(results))),
      '',
      '≤ 300 MiB',
      mark(byId.get('rss_after_bench')),
    );
  }

  const s5 = results.openStreams;
  if (s5) {
    const scenario = `5 · ${num(s5.streams, 0)} open SSE streams`;
    row(
      scenario,
      'completed with finished: true',
      serviceOnly(`${s5.complete} / ${s5.streams}`),
      '',
      'all',
      mark(byId.get('open_streams_complete')),
    );
    row(
      scenario,
      'peak RSS (baseline)',
      serviceOnly(`${mibText(s5.peakRss)} (${mibText(s5.baselineRss)})`),
      `heap used midway ${mibText(s5.heapUsedMidway)}`,
      '≤ 300 MiB',
      mark(byId.get('open_streams_rss')),
    );
    row(
      scenario,
      'stream duration p50 / p99 (ms)',
      serviceOnly(`${num(s5.streamDuration.p50, 0)} / ${num(s5.streamDuration.p99, 0)}`),
    );
  }

  const s6 = results.manyRequests;
  if (s6) {
    const capped = s6.cappedAtS
      ? ` (of ${num(s6.planned, 0)}: capped at ${s6.cappedAtS} s per half)`
      : '';
    const scenario = `6 · ${num(s6.requests, 0)} requests in a row${capped}`;
    /** @param {number | null} bytes */
    const growth = (bytes) => signed(bytes === null ? null : mib(bytes));
    row(
      scenario,
      `RSS growth${s6.gcForced ? ' after GC' : ''}`,
      serviceOnly(
        `${growth(s6.rssGrowth)} MiB (${mibText(s6.before.rss)} → ${mibText(s6.after.rss)})`,
      ),
      `2nd half ${growth(s6.secondHalfRssGrowth)} MiB; heap ${growth(s6.heapGrowth)} MiB`,
      '≤ 20 MiB',
      mark(byId.get('rss_growth')),
    );
    row(
      scenario,
      'errors + non-2xx',
      serviceOnly(String(s6.errors)),
      '',
      '0',
      mark(s6.errors === 0),
    );
  }

  const s7 = results.redisRoundTrips;
  if (s7) {
    const hop = s7.delayMs > 0 ? `, +${num(s7.delayMs)} ms each way` : '';
    const scenario = `7 · Redis on the path (cache on${hop}), ${num(s7.requests, 0)} of each turn in a row`;
    /** @param {string} turn @param {any} r */
    const turnRow = (turn, r) =>
      row(
        scenario,
        `${turn}: round trip with the cache reply / round trips in all`,
        serviceOnly(`${num(r.cacheReadTrip, 0)} / ${num(r.trips, 0)}`),
        `p50 / p99 ${latencyPair(r.latency)} ms`,
      );
    turnRow('first turn', s7.firstTurn);
    turnRow('later turn (history first)', s7.laterTurn);
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
        ['—', proxy, '—', `${num(r.rps, 0)} · ${num(r.cpuMicrosPerRequest, 0)}`],
        `${pct(r.ofProxy)} of proxy`,
      );
    floorRow('the SDK call behind an Express route, nothing else', s8.expressSdk);
    floorRow('the SDK call behind a bare Nest controller on Express', s8.nestSdk);
    floorRow('the service', s8.service);
  }

  const header = [
    'Scenario',
    'Metric',
    'Direct',
    'Bare proxy',
    'Portkey',
    'Service',
    'Service vs',
    'Target',
    '',
  ];
  const passed = checks.filter((c) => c.pass).length;
  return [
    `## Benchmark ${meta.date}${meta.quick ? ' (quick run: smoke check only)' : ''}`,
    '',
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${num(meta.machine.memoryGiB, 1)} GiB, Node ${meta.machine.node}, ${meta.machine.platform}; load average at start ${meta.machine.loadAverage.join(' / ')}.`,
    `Pinning: ${meta.pinning}.`,
    `Service features: ${featuresText(meta.features)}.`,
    `Run: ${meta.config.rounds} interleaved round(s) × ${meta.config.durationS} s per target; ${meta.config.streamRequests} streams per target in scenario 4.`,
    ...(peersTable(results, byId) ?? []),
    '',
    markdownTable(header, rows),
    '',
    `Targets met: ${passed} / ${checks.length}.`,
    ...(results.profile ? ['', profileText(results.profile)] : []),
    '',
  ].join('\n');
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
const markdownTable = (header, rows) =>
  [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

/**
 * The targets against Portkey, the peer, with the bare proxy beside them: the table
 * the README shows. Undefined when Portkey did not run.
 *
 * @param {any} results
 * @param {Map<string, boolean>} byId
 */
function peersTable(results, byId) {
  const json = results.nonStreaming?.fiftyConnections;
  const sse = results.streaming?.fiftyConnections;
  if (!json?.portkey && !sse?.portkey) return undefined;
  const added = results.nonStreaming?.added.p50;
  /** @param {string} name */
  const rss = (name) => {
    const after = results.memory?.afterStreams ?? results.memory?.afterJson;
    return mibText(after?.[name]);
  };
  /** @param {any} r @param {string} name @param {(t: any) => string} cell */
  const of = (r, name, cell) => (r?.[name] ? cell(r[name]) : '—');
  /** @param {any} r */
  const rps = (r) => num(r.rps, 0);
  /** @param {any} r */
  const cpu = (r) => `${num(r.cpuMicrosPerRequest, 0)} µs`;
  /**
   * A target measured on one group of runs: the service (and its ratio to Portkey), Portkey, the proxy.
   * @param {string} label @param {any} r @param {(t: any) => string} cell
   * @param {string} field @param {(ratio: any) => string} ratio @param {string} id
   */
  const measured = (label, r, cell, field, ratio, id) => [
    label,
    `${of(r, 'service', cell)} (${ratio(ofPortkey(r, field))})`,
    of(r, 'portkey', cell),
    of(r, 'proxy', cell),
    mark(byId.get(id)),
  ];
  const rows = [
    measured('req/s, JSON, 50 conn: ≥ 2× Portkey', json, rps, 'rps', times, 'rps_vs_portkey'),
    measured(
      'streams/s, SSE, 50 conn: ≥ 1.3× Portkey',
      sse,
      rps,
      'rps',
      times,
      'streams_vs_portkey',
    ),
    measured(
      "CPU per request, JSON, 50 conn: ≤ 50% of Portkey's",
      json,
      cpu,
      'cpuMicrosPerRequest',
      pct,
      'cpu_vs_portkey',
    ),
    [
      'added p50 over direct, 1 conn: ≤ 0.6 ms',
      `${signed(added?.service)} ms`,
      `${signed(added?.portkey)} ms`,
      `${signed(added?.proxy)} ms`,
      mark(byId.get('added_p50_1conn')),
    ],
    [
      'RSS after the JSON and stream runs: ≤ 300 MiB',
      mibText(serviceRss(results)),
      rss('portkey'),
      rss('proxy'),
      mark(byId.get('rss_after_bench')),
    ],
  ];
  return [
    '',
    'Against the peers (the targets):',
    '',
    markdownTable(['Target', 'Service', 'Portkey', 'Bare proxy', 'Met?'], rows),
  ];
}

/** @param {number | null | undefined} ratio */
const times = (ratio) =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${num(ratio)}×`;

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
      rpsOverPortkey: ofPortkey(results.nonStreaming?.fiftyConnections, 'rps') ?? null,
      streamsOverPortkey: ofPortkey(results.streaming?.fiftyConnections, 'rps') ?? null,
      cpuOfPortkey:
        ofPortkey(results.nonStreaming?.fiftyConnections, 'cpuMicrosPerRequest') ?? null,
      addedP50Ms1Conn: results.nonStreaming?.added.p50.service ?? null,
      serviceRssMiB: serviceRss(results) === undefined ? null : mib(serviceRss(results)),
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

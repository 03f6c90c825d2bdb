#!/usr/bin/env node
/**
 * The gateway benchmark: the fake provider directly, through a bare
 * Node proxy, through the Portkey gateway (a peer, installed into
 * bench/peers/portkey on first use; scenarios 1, 2 and 4) and through the
 * service (`dist/main.js`, build it first), side by side and interleaved in
 * one run; scenario 8 adds the SDK floors (`sdk-floor.mjs`).
 *
 *   npm run build && node bench/run.mjs
 *   BENCH_QUICK=1 node bench/run.mjs             # smoke check, about a minute
 *   BENCH_SCENARIOS=1,4 node bench/run.mjs       # a subset
 *   BENCH_CPU_PROF=1 BENCH_SCENARIOS=1 node bench/run.mjs   # + service CPU profile
 *
 * Other knobs (seconds/counts): BENCH_DURATION_S, BENCH_ROUNDS, BENCH_WARMUP_S,
 * BENCH_STREAM_REQUESTS, BENCH_OPEN_STREAMS, BENCH_OPEN_STREAM_GAP_MS,
 * BENCH_LEAK_REQUESTS, BENCH_LEAK_MAX_S, BENCH_PAUSE_MS.
 *
 * The load generator runs on core 0 and everything measured on core 1
 * (taskset), so numbers are only comparable between runs on the same machine;
 * the ratios within one run are what the targets are about.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { LOAD_CPU } from './lib/load.mjs';
import { optionsHelp, readOptions, wantsHelp } from './lib/options.mjs';
import { hasTaskset, installCleanup, pinSelf, stopAll, wasInterrupted } from './lib/processes.mjs';
import { newestProfile, profileClockMicros, topSelfFrames } from './lib/profile.mjs';
import { checkTargets, renderMarkdown, toJson } from './lib/report.mjs';
import {
  cacheHits,
  manyRequests,
  nonStreaming,
  openStreams,
  redisRoundTrips,
  residentMemory,
  sdkFloors,
  slowProvider,
  streaming,
} from './lib/scenarios.mjs';
import { hasRedisServer, startRedis, startRoundTripCounter } from './lib/redis.mjs';
import {
  startFake,
  startPortkey,
  startProxy,
  startSdkFloor,
  startService,
  TARGET_CPU,
} from './lib/stack.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
const REPO_DIR = join(BENCH_DIR, '..');

const FULL = {
  scenarios: '1,2,3,4,5,6,7,8',
  durationS: 4,
  rounds: 3,
  warmupS: 10,
  streamRequests: 80,
  openStreams: 1000,
  openStreamGapMs: 200,
  leakRequests: 20000,
  leakMaxS: 30,
  pauseMs: 1000,
  redisRequests: 200,
  redisDelayMs: 0,
  cpuProf: false,
};
const QUICK = {
  ...FULL,
  durationS: 2,
  rounds: 1,
  warmupS: 1,
  streamRequests: 20,
  openStreamGapMs: 100,
  leakRequests: 4000,
  leakMaxS: 15,
  pauseMs: 500,
  redisRequests: 50,
};

/** @param {string} line */
const log = (line) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const USAGE = `Usage: npm run bench, or after npm run build: node bench/run.mjs [--option value ...]

Runs the benchmark (bench/README.md) and writes bench/results/latest.md and a JSON file.
BENCH_QUICK=1 is a smoke check with shorter runs. Options, as flags or variables
(a flag wins; the defaults shown are the full run's):

${optionsHelp(FULL, 'BENCH_')}
`;

async function main() {
  if (wantsHelp()) {
    process.stdout.write(USAGE);
    return;
  }
  installCleanup();
  pinSelf(LOAD_CPU);
  const quick = ['1', 'true'].includes(process.env.BENCH_QUICK ?? '');
  const cfg = readOptions(quick ? QUICK : FULL, { envPrefix: 'BENCH_' });
  const wanted = new Set(cfg.scenarios.split(',').map((s) => s.trim()));
  const date = new Date().toISOString();
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.join(' ')}`);

  const fake = await startFake({ latencyMs: 0, chunks: 20, gapMs: 10 });
  const proxy = await startProxy(fake.port, { chunkProbe: true });
  /** @type {Record<string, any>} */
  const results = {};
  /** @type {Record<string, unknown> | undefined} */
  let features;
  const profileDir = join(RESULTS_DIR, 'profiles');
  /**
   * @param {import('./lib/scenarios.mjs').Service} service
   * @param {import('./lib/scenarios.mjs').Peer} [portkey]
   */
  const bench = (service, portkey) => ({ fake, proxy, portkey, service, cfg, log });

  if (wanted.has('1') || wanted.has('2') || wanted.has('4')) {
    if (cfg.cpuProf) mkdirSync(profileDir, { recursive: true });
    const portkey = await startPortkey(fake.port);
    const service = await startService({
      fakePort: fake.port,
      cache: false,
      cpuProfDir: cfg.cpuProf ? profileDir : undefined,
      chunkProbe: true,
    });
    const readyAt = profileClockMicros();
    features = service.features;
    const peers = bench(service, portkey);
    if (wanted.has('1')) results.nonStreaming = await nonStreaming(peers);
    if (wanted.has('2')) results.slowProvider = await slowProvider(peers);
    results.memory = {};
    if (wanted.has('1') || wanted.has('2')) results.memory.afterJson = await residentMemory(peers);
    if (wanted.has('4')) {
      results.streaming = await streaming(peers);
      results.memory.afterStreams = await residentMemory(peers);
    }
    await Promise.all([service.proc.stop(), portkey.proc.stop()]);
    if (cfg.cpuProf) {
      const file = newestProfile(profileDir);
      if (file) {
        results.profile = topSelfFrames(file, `${REPO_DIR}/`.replace(/\/+$/, '/'), readyAt);
      } else log('no CPU profile was written (the service did not exit cleanly?)');
    }
  }
  if (wanted.has('3')) {
    const service = await startService({ fakePort: fake.port, cache: true, name: 'service-cache' });
    const cacheOff = await startService({
      fakePort: fake.port,
      cache: false,
      name: 'service-uncached',
    });
    features ??= cacheOff.features;
    results.cacheHits = await cacheHits(bench(service), cacheOff);
    await Promise.all([service.proc.stop(), cacheOff.proc.stop()]);
  }
  if (wanted.has('5')) {
    const service = await startService({
      fakePort: fake.port,
      cache: false,
      inspect: true,
      name: 'service-streams',
    });
    features ??= service.features;
    results.openStreams = await openStreams(bench(service));
    await service.proc.stop();
  }
  if (wanted.has('6')) {
    const service = await startService({
      fakePort: fake.port,
      cache: false,
      inspect: true,
      name: 'service-leak',
    });
    features ??= service.features;
    results.manyRequests = await manyRequests(bench(service));
    await service.proc.stop();
  }
  if (wanted.has('7')) {
    if (hasRedisServer()) {
      const service = await withRedis(fake, bench, cfg.redisDelayMs);
      features ??= service.features;
      results.redisRoundTrips = service.measured;
    } else log('scenario 7 skipped: redis-server is not installed');
  }
  if (wanted.has('8')) {
    const service = await startService({
      fakePort: fake.port,
      cache: false,
      name: 'service-floors',
    });
    features ??= service.features;
    const floors = {
      expressSdk: await startSdkFloor(fake.port, 'express'),
      nestSdk: await startSdkFloor(fake.port, 'nest'),
    };
    results.sdkFloors = await sdkFloors(bench(service), floors);
    await Promise.all([service, ...Object.values(floors)].map((target) => target.proc.stop()));
  }
  await stopAll();

  const cacheScenarios = [results.cacheHits && '3', results.redisRoundTrips && '7'].filter(Boolean);
  const meta = {
    date,
    quick,
    machine,
    pinning: hasTaskset()
      ? `load generator on core ${LOAD_CPU}; fake provider, bare proxy, Portkey, SDK floors and service on core ${TARGET_CPU} (taskset)`
      : 'none (taskset not available): numbers are noisier',
    features: {
      ...features,
      cache:
        cacheScenarios.length > 0 ? `off (on in scenario ${cacheScenarios.join(' and ')})` : 'off',
      inspector:
        wanted.has('5') || wanted.has('6')
          ? 'attached in scenarios 5–6 only, for GC and heap readings'
          : 'off',
      redis: results.redisRoundTrips
        ? 'in scenario 7 only (cache on), a private redis-server behind a counting relay'
        : 'none',
    },
    config: cfg,
  };
  const checks = checkTargets(results);
  const report = { results, checks, meta };
  const markdown = renderMarkdown(report);
  const json = `${JSON.stringify(toJson(report), null, 2)}\n`;

  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonFile = join(RESULTS_DIR, `${date.replace(/:/g, '-')}.json`);
  writeFileSync(jsonFile, json);
  copyFileSync(jsonFile, join(RESULTS_DIR, 'latest.json'));
  writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown);
  process.stdout.write(`${markdown}\n`);
  log(`wrote ${jsonFile}, latest.json and latest.md`);
}

/**
 * Scenario 7 on its own stack: a private redis-server, the relay that counts
 * round trips, and a service with the cache on whose REDIS_URL is the relay.
 *
 * @param {Awaited<ReturnType<typeof startFake>>} fake
 * @param {(service: import('./lib/scenarios.mjs').Service) => import('./lib/scenarios.mjs').Bench} bench
 * @param {number} delayMs added by the relay each way
 */
async function withRedis(fake, bench, delayMs) {
  const redis = await startRedis();
  const counter = await startRoundTripCounter(redis.port, delayMs);
  try {
    const service = await startService({
      fakePort: fake.port,
      cache: true,
      redisUrl: `redis://127.0.0.1:${counter.port}`,
      name: 'service-redis',
    });
    const measured = await redisRoundTrips(bench(service), counter);
    await service.proc.stop();
    return { measured, features: service.features };
  } finally {
    counter.close();
    await redis.proc.stop();
  }
}

main().catch(async (/** @type {unknown} */ error) => {
  if (wasInterrupted()) return;
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  await stopAll();
  process.exit(1);
});

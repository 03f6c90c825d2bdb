import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import type { RedisConnection } from '../../redis/redis.connection';
import {
  CLOSED,
  afterFailure,
  claimProbe,
  isTripped,
  waitLeft,
  type CircuitSettings,
  type CircuitState,
} from './circuit-rules';
import { RedisCircuitStore } from './redis-circuit.store';

/** How often a replica reads the fleet's breakers: the lag before it skips a circuit another one opened. */
const SYNC_INTERVAL_MS = 1000;

export type Admission = { go: true; probe: boolean } | { go: false; waitMs: number };

// Upstream names never hold a colon; model names may.
const pairOf = (upstream: string, model: string) => `${upstream}:${model}`;

function labelsOf(pair: string): { upstream: string; model: string } {
  const colon = pair.indexOf(':');
  return { upstream: pair.slice(0, colon), model: pair.slice(colon + 1) };
}

/**
 * One breaker per upstream and model. Calls are admitted from this replica's
 * view, so a closed or open circuit costs no round trip; transitions go
 * through Redis when it is configured, and the view follows the fleet's state
 * every second. While Redis is away the rules run on the view alone.
 */
export class CircuitBreaker implements OnModuleInit, OnModuleDestroy {
  private readonly view = new Map<string, CircuitState>();
  /** When each pair last changed here, counted in changes, so an older snapshot cannot undo it. */
  private readonly changedAt = new Map<string, number>();
  private changes = 0;
  private readonly store: RedisCircuitStore | undefined;
  private syncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: CircuitSettings,
    redis: RedisConnection,
    private readonly openGauge: Gauge<'upstream' | 'model'>,
  ) {
    this.store = redis.client
      ? new RedisCircuitStore(redis.client, redis.keyPrefix, settings)
      : undefined;
  }

  onModuleInit(): void {
    if (!this.store) return;
    void this.sync();
    this.syncTimer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.syncTimer);
  }

  /** Starts the circuit's series at 0, so a dashboard shows every pair before its first failure. */
  watch(upstream: string, model: string): void {
    const pair = pairOf(upstream, model);
    this.update(pair, this.stateOf(pair));
  }

  async admit(upstream: string, model: string): Promise<Admission> {
    const pair = pairOf(upstream, model);
    const state = this.stateOf(pair);
    if (!isTripped(state, this.settings)) return { go: true, probe: false };
    const waitMs = waitLeft(state, this.settings, Date.now());
    if (waitMs > 0) return { go: false, waitMs };
    const claim = await this.inStore(
      (store) => store.claimProbe(pair),
      () => claimProbe(state, this.settings, Date.now()),
    );
    this.record(pair, claim.state);
    return claim.claimed
      ? { go: true, probe: isTripped(claim.state, this.settings) }
      : { go: false, waitMs: waitLeft(claim.state, this.settings, Date.now()) };
  }

  /** The upstream answered: a circuit with failures on record closes. */
  succeeded(upstream: string, model: string): void {
    const pair = pairOf(upstream, model);
    if (this.stateOf(pair).failures === 0) return;
    this.record(pair, CLOSED);
    void this.inStore(
      (store) => store.close(pair),
      () => undefined,
    );
  }

  /** A retryable failure; resolves to how long the circuit now stays open (0: still closed). */
  async failed(upstream: string, model: string): Promise<number> {
    const pair = pairOf(upstream, model);
    const state = await this.inStore(
      (store) => store.fail(pair),
      () => afterFailure(this.stateOf(pair), this.settings, Date.now()),
    );
    this.record(pair, state);
    return Math.max(0, state.openUntil - Date.now());
  }

  /** A probe whose caller left proved nothing: the next caller may probe. */
  abandoned(upstream: string, model: string): void {
    const pair = pairOf(upstream, model);
    const state = this.stateOf(pair);
    if (state.probeUntil === 0) return;
    this.record(pair, { ...state, probeUntil: 0 });
    void this.inStore(
      (store) => store.releaseProbe(pair),
      () => undefined,
    );
  }

  private stateOf(pair: string): CircuitState {
    return this.view.get(pair) ?? CLOSED;
  }

  private record(pair: string, state: CircuitState): void {
    this.changedAt.set(pair, ++this.changes);
    this.update(pair, state);
  }

  private update(pair: string, state: CircuitState): void {
    if (state.failures === 0) this.view.delete(pair);
    else this.view.set(pair, state);
    this.openGauge.set(labelsOf(pair), isTripped(state, this.settings) ? 1 : 0);
  }

  /** The store's answer, or the local rule's while Redis is absent or away. */
  private async inStore<T>(
    shared: (store: RedisCircuitStore) => Promise<T>,
    local: () => T,
  ): Promise<T> {
    if (!this.store) return local();
    try {
      return await shared(this.store);
    } catch {
      return local();
    }
  }

  private async sync(): Promise<void> {
    if (!this.store) return;
    const asked = this.changes;
    const states = await this.store.snapshot().catch(() => undefined);
    if (!states) return;
    const stale = (pair: string) => (this.changedAt.get(pair) ?? 0) > asked;
    for (const pair of this.view.keys()) {
      if (!states.has(pair) && !stale(pair)) this.update(pair, CLOSED);
    }
    for (const [pair, state] of states) if (!stale(pair)) this.update(pair, state);
  }
}

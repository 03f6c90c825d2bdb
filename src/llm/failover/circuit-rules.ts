/** One upstream+model's breaker; times are ms since the epoch on one clock, 0 for none. */
export interface CircuitState {
  /** Consecutive retryable failures; at the threshold or above it stays open or half-open. */
  failures: number;
  openUntil: number;
  /** While a half-open probe is out, no other call is let through. */
  probeUntil: number;
}

export interface CircuitSettings {
  threshold: number;
  cooldownMs: number;
  /** How long a probe holds the half-open circuit before another may try. */
  probeLeaseMs: number;
}

export const CLOSED: CircuitState = Object.freeze({ failures: 0, openUntil: 0, probeUntil: 0 });

export function isTripped(state: CircuitState, { threshold }: CircuitSettings): boolean {
  return state.failures >= threshold;
}

/** How long calls must still wait: 0 when one may go now (closed, or half-open with no probe out). */
export function waitLeft(state: CircuitState, settings: CircuitSettings, now: number): number {
  if (!isTripped(state, settings)) return 0;
  return Math.max(0, state.openUntil - now, state.probeUntil - now);
}

/** A retryable failure: the threshold-th in a row opens it, as does a failed probe; an open one is not extended. */
export function afterFailure(
  state: CircuitState,
  settings: CircuitSettings,
  now: number,
): CircuitState {
  const failures = state.failures + 1;
  const stillOpen = state.openUntil > now;
  const opens = !stillOpen && failures >= settings.threshold;
  return {
    failures,
    openUntil: opens ? now + settings.cooldownMs : state.openUntil,
    probeUntil: 0,
  };
}

/** A half-open circuit lets one caller probe; `claimed` says whether this one may. */
export function claimProbe(
  state: CircuitState,
  settings: CircuitSettings,
  now: number,
): { state: CircuitState; claimed: boolean } {
  if (!isTripped(state, settings)) return { state, claimed: true };
  if (waitLeft(state, settings, now) > 0) return { state, claimed: false };
  return { state: { ...state, probeUntil: now + settings.probeLeaseMs }, claimed: true };
}

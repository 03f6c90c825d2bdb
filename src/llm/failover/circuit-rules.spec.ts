import {
  CLOSED,
  afterFailure,
  claimProbe,
  isTripped,
  waitLeft,
  type CircuitState,
} from './circuit-rules';

const settings = { threshold: 3, cooldownMs: 30_000, probeLeaseMs: 30_000 };
const failTimes = (times: number, at: number, from: CircuitState = CLOSED) =>
  Array.from({ length: times }).reduce<CircuitState>(
    (state) => afterFailure(state, settings, at),
    from,
  );

describe('circuit rules', () => {
  it('stays closed below the threshold of consecutive failures', () => {
    const state = failTimes(2, 1000);

    expect(isTripped(state, settings)).toBe(false);
    expect(waitLeft(state, settings, 1000)).toBe(0);
  });

  it('opens for the cooldown at the threshold', () => {
    const state = failTimes(3, 1000);

    expect(waitLeft(state, settings, 1000)).toBe(30_000);
    expect(waitLeft(state, settings, 21_000)).toBe(10_000);
  });

  it('does not extend an open circuit for failures of calls already under way', () => {
    const state = failTimes(5, 1000);

    expect(state.openUntil).toBe(31_000);
  });

  it('lets exactly one probe through once the cooldown is over', () => {
    const open = failTimes(3, 1000);

    const first = claimProbe(open, settings, 31_000);
    const second = claimProbe(first.state, settings, 31_001);

    expect(first.claimed).toBe(true);
    expect(second.claimed).toBe(false);
    expect(waitLeft(second.state, settings, 31_001)).toBe(29_999);
  });

  it('lets another probe through when a probe has not reported within its lease', () => {
    const probing = claimProbe(failTimes(3, 1000), settings, 31_000).state;

    expect(claimProbe(probing, settings, 61_000).claimed).toBe(true);
  });

  it('reopens for a whole cooldown when the probe fails', () => {
    const probing = claimProbe(failTimes(3, 1000), settings, 31_000).state;

    const reopened = afterFailure(probing, settings, 32_000);

    expect(waitLeft(reopened, settings, 32_000)).toBe(30_000);
    expect(reopened.probeUntil).toBe(0);
  });

  it('admits every call of a closed circuit without claiming anything', () => {
    expect(claimProbe(CLOSED, settings, 0)).toEqual({ state: CLOSED, claimed: true });
  });
});

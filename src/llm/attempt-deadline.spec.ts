import { getEventListeners } from 'node:events';
import { AttemptDeadline } from './attempt-deadline';

describe('AttemptDeadline', () => {
  it('aborts its signal when the caller aborts, without counting as expired', () => {
    const caller = new AbortController();
    const deadline = new AttemptDeadline(60_000, caller.signal);
    caller.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired).toBe(false);
    deadline.clear();
  });

  // The clock is Jest's: a busy test machine must not decide what "silent for 40 ms" means.
  it('expires after the silence, and restart() starts the silence over', () => {
    jest.useFakeTimers();
    try {
      const deadline = new AttemptDeadline(40, new AbortController().signal);
      jest.advanceTimersByTime(25);
      deadline.restart();
      jest.advanceTimersByTime(25);
      expect(deadline.signal.aborted).toBe(false);
      jest.advanceTimersByTime(15);
      expect(deadline.signal.aborted).toBe(true);
      expect(deadline.expired).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('starts aborted for a caller that already left', () => {
    const caller = new AbortController();
    caller.abort();
    const deadline = new AttemptDeadline(60_000, caller.signal);
    expect(deadline.signal.aborted).toBe(true);
    deadline.clear();
  });

  it('leaves nothing on the caller signal once cleared', () => {
    const caller = new AbortController();
    const deadline = new AttemptDeadline(60_000, caller.signal);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    deadline.clear();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
  });
});

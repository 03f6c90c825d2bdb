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

  it('expires after the silence, and restart() starts the silence over', async () => {
    const deadline = new AttemptDeadline(40, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 25));
    deadline.restart();
    await new Promise((resolve) => setTimeout(resolve, 25));
    expect(deadline.signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired).toBe(true);
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

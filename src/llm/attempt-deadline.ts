/**
 * Aborts one provider attempt when it has been silent for too long. `signal`
 * also follows the caller's signal, so one signal cancels the HTTP request
 * for either reason, and `expired` tells the two apart afterwards.
 */
export class AttemptDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  readonly signal = this.controller.signal;
  // A listener removed in clear(), rather than AbortSignal.any, which keeps every
  // composite signal alive for as long as its longest-lived source.
  private readonly followCaller = () => this.controller.abort(this.callerSignal.reason);

  constructor(
    private readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal,
  ) {
    if (callerSignal.aborted) this.followCaller();
    else callerSignal.addEventListener('abort', this.followCaller, { once: true });
    this.restart();
  }

  get expired(): boolean {
    return this.timedOut;
  }

  /** Starts the silence over, e.g. when a stream chunk arrives. */
  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = !this.signal.aborted;
      this.controller.abort();
    }, this.timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.callerSignal.removeEventListener('abort', this.followCaller);
  }
}

/**
 * Aborts one provider attempt when it has been silent for too long. `signal`
 * also follows the caller's signal, so one signal cancels the HTTP request
 * for either reason, and `expired` tells the two apart afterwards.
 */
export class AttemptDeadline {
  private readonly timeoutController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal: AbortSignal;

  constructor(
    private readonly timeoutMs: number,
    callerSignal: AbortSignal,
  ) {
    this.signal = AbortSignal.any([callerSignal, this.timeoutController.signal]);
    this.restart();
  }

  get expired(): boolean {
    return this.timeoutController.signal.aborted;
  }

  /** Starts the silence over, e.g. when a stream chunk arrives. */
  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timeoutController.abort(), this.timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';

const POLL_MS = 50;
/** After the deadline, how long cut-short streams get to send their last event. */
const FAREWELL_MS = 1000;

/**
 * Graceful shutdown: once it starts, readiness answers 503 while in-flight
 * requests and streams finish, up to SHUTDOWN_TIMEOUT; work still running then
 * is cut short through `deadline` (streams end with an error event).
 */
@Injectable()
export class Drain implements BeforeApplicationShutdown {
  private draining = false;
  private inFlight = 0;
  private readonly deadlineController = new AbortController();
  private readonly timeoutMs: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    @InjectPinoLogger(Drain.name) private readonly logger: PinoLogger,
  ) {
    this.timeoutMs = config.get('app.shutdownTimeoutMs', { infer: true });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Aborts when the shutdown deadline passes with work still running. */
  get deadline(): AbortSignal {
    return this.deadlineController.signal;
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestEnded(): void {
    this.inFlight -= 1;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    this.logger.info(
      { signal, inFlight: this.inFlight },
      'shutting down: draining in-flight requests',
    );
    if (!(await this.settled(this.timeoutMs))) {
      this.logger.warn(
        { inFlight: this.inFlight },
        'shutdown deadline reached: cutting short what is left',
      );
      this.deadlineController.abort();
      await this.settled(FAREWELL_MS);
    }
    this.logger.info('drained');
  }

  private async settled(withinMs: number): Promise<boolean> {
    const until = Date.now() + withinMs;
    while (this.inFlight > 0 && Date.now() < until) await sleep(POLL_MS);
    return this.inFlight === 0;
  }
}

import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';
import { cutShort } from './request-signal';

const POLL_MS = 50;
/** After the deadline, how long cut-short streams get to send their last event. */
const FAREWELL_MS = 1000;

/**
 * Graceful shutdown: once it starts, readiness answers 503 while in-flight
 * requests and streams finish, up to SHUTDOWN_TIMEOUT; work still running then
 * has its request signal aborted with a ShuttingDownError (streams end with an
 * error event).
 */
@Injectable()
export class Drain implements BeforeApplicationShutdown {
  private draining = false;
  private readonly inFlight = new Set<ServerResponse>();
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

  requestStarted(res: ServerResponse): void {
    this.inFlight.add(res);
  }

  requestEnded(res: ServerResponse): void {
    this.inFlight.delete(res);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    this.logger.info(
      { signal, inFlight: this.inFlight.size },
      'shutting down: draining in-flight requests',
    );
    if (!(await this.settled(this.timeoutMs))) {
      this.logger.warn(
        { inFlight: this.inFlight.size },
        'shutdown deadline reached: cutting short what is left',
      );
      this.inFlight.forEach(cutShort);
      await this.settled(FAREWELL_MS);
    }
    this.logger.info('drained');
  }

  private async settled(withinMs: number): Promise<boolean> {
    const until = Date.now() + withinMs;
    while (this.inFlight.size > 0 && Date.now() < until) await sleep(POLL_MS);
    return this.inFlight.size === 0;
  }
}

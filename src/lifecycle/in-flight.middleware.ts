import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { Drain } from './drain';

/** Tracks requests until their response is done or abandoned, so shutdown knows when it may stop. */
@Injectable()
export class InFlightMiddleware implements NestMiddleware {
  constructor(private readonly drain: Drain) {}

  use(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.drain.requestStarted(res);
    res.once('close', () => this.drain.requestEnded(res));
    next();
  }
}

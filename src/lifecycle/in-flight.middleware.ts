import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Drain } from './drain';

/** Tracks requests until their response is done or abandoned, so shutdown knows when it may stop. */
@Injectable()
export class InFlightMiddleware implements NestMiddleware {
  constructor(private readonly drain: Drain) {}

  use(_req: Request, res: Response, next: NextFunction): void {
    this.drain.requestStarted(res);
    res.once('close', () => this.drain.requestEnded(res));
    next();
  }
}

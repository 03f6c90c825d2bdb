import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Drain } from '../lifecycle/drain';

/** Not ready from the moment shutdown starts, so load balancers stop sending work here. */
@Injectable()
export class ShutdownHealthIndicator {
  constructor(
    private readonly drain: Drain,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult<'shutdown'> {
    const session = this.indicator.check('shutdown');
    return this.drain.isDraining ? session.down({ message: 'draining' }) : session.up();
  }
}

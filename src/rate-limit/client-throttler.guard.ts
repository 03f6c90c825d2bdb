import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { callerOf } from '../common/auth/caller';
import { Metrics } from '../metrics/metrics';
import { RateLimitExceededError } from './rate-limit.errors';

/**
 * One budget per client across every throttled route: the API key's id when
 * the API key guard (which runs first) found one, else the client IP.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(req: Request): Promise<string> {
    const { keyId } = callerOf(req);
    // The library's tracker is the IP with an IPv6 client's /64 taken as one client.
    return keyId ? `key:${keyId}` : `ip:${await super.getTracker(req)}`;
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    { timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    this.metrics.rateLimited.inc();
    throw new RateLimitExceededError(Math.max(1, timeToBlockExpire));
  }
}

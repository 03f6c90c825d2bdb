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
import type { FastifyRequest } from 'fastify';
import type { RequestWithCaller } from '../common/auth/caller';
import { PUBLIC_ROUTE } from '../common/auth/public-route.decorator';
import { Metrics } from '../metrics/metrics';
import { RateLimitExceededError } from './rate-limit.errors';

/**
 * One budget per client across all API routes: the API key when there is one,
 * else the client IP (from X-Forwarded-For only when TRUST_PROXY is on).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ]) === true,
    );
  }

  protected override getTracker(req: FastifyRequest): Promise<string> {
    const keyId = (req.raw as RequestWithCaller).caller?.keyId;
    return Promise.resolve(keyId ? `key:${keyId}` : `ip:${req.ip}`);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    { timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    this.metrics.rateLimited.inc();
    throw new RateLimitExceededError(timeToBlockExpire);
  }
}

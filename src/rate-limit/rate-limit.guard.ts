import { Injectable, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../common/auth/caller';
import { PUBLIC_ROUTE } from '../common/auth/public-route.decorator';
import type { AllConfig } from '../config/configuration';
import type { RateLimitConfig } from '../config/rate-limit.config';
import { Metrics } from '../metrics/metrics';
import { READ_AHEAD_ROUTE, type ReadAheadRoute, type ReadAheadSource } from '../redis/read-ahead';
import { secondsLeft } from './fixed-window';
import { RateLimitExceededError } from './rate-limit.errors';
import { RateLimitStorage } from './rate-limit.storage';

/**
 * One budget per client across all API routes: the API key when there is one,
 * else the client IP (from X-Forwarded-For only when TRUST_PROXY is on). A
 * route that names its first Redis read gets it in the same round trip.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly settings: RateLimitConfig;
  private readonly sources = new Map<Type<ReadAheadSource<unknown>>, ReadAheadSource<unknown>>();

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly storage: RateLimitStorage,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly metrics: Metrics,
  ) {
    this.settings = config.get('rateLimit', { infer: true });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { requests: limit, windowMs } = this.settings;
    // Sent first, the read goes out before the count's reply is awaited: one wait for both.
    this.startReadAhead(context, request);
    const window = await this.storage.hit(trackerOf(request), windowMs);
    if (window.hits > limit) {
      this.metrics.rateLimited.inc();
      throw new RateLimitExceededError(secondsLeft(window));
    }
    void http.getResponse<FastifyReply>().headers({
      'X-RateLimit-Limit': limit,
      'X-RateLimit-Remaining': Math.max(0, limit - window.hits),
      'X-RateLimit-Reset': secondsLeft(window),
    });
    return true;
  }

  private startReadAhead(context: ExecutionContext, request: FastifyRequest): void {
    const route = this.reflector.get<ReadAheadRoute<unknown> | undefined>(
      READ_AHEAD_ROUTE,
      context.getHandler(),
    );
    if (!route) return;
    const source =
      this.sources.get(route.source) ??
      this.moduleRef.get<ReadAheadSource<unknown>>(route.source, { strict: false });
    this.sources.set(route.source, source);
    source.start(request, route.options);
  }
}

function trackerOf(request: FastifyRequest): string {
  const { keyId } = callerOf(request.raw);
  return keyId ? `key:${keyId}` : `ip:${request.ip}`;
}

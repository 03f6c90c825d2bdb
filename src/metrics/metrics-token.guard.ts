import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { UnauthorizedError } from '../common/auth/auth.errors';
import type { AllConfig } from '../config/configuration';

const digestOf = (value: string) => createHash('sha256').update(value).digest();

/** With METRICS_TOKEN set, a scrape needs it as a bearer token, compared in constant time. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly token: Buffer | undefined;

  constructor(config: ConfigService<AllConfig, true>) {
    const token = config.get('app.metricsToken', { infer: true });
    this.token = token === undefined ? undefined : digestOf(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.token === undefined) return true;
    const { authorization = '' } = context.switchToHttp().getRequest<Request>().headers;
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (presented === undefined || !timingSafeEqual(digestOf(presented), this.token)) {
      throw new UnauthorizedError();
    }
    return true;
  }
}

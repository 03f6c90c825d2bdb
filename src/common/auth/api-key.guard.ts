import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { AllConfig } from '../../config/configuration';
import { UnauthorizedError } from './auth.errors';
import { matchKey, type ConfiguredKey } from './api-key';
import { ANONYMOUS, requestOf, type RequestWithCaller } from './caller';
import { PUBLIC_ROUTE } from './public-route.decorator';

function presentedKey(req: RequestWithCaller): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = req.headers['x-api-key'];
  return bearer ?? (typeof header === 'string' && header !== '' ? header : undefined);
}

/** With API_KEYS set, every non-public route needs one of them; the caller is then known by key id. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: readonly ConfiguredKey[];

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly reflector: Reflector,
  ) {
    const { apiKeys, authDisabled } = config.get('app', { infer: true });
    this.keys = apiKeys;
    // Production without keys starts only when AUTH_DISABLED says so; it must not pass unnoticed.
    if (authDisabled && apiKeys.length === 0) {
      new Logger(ApiKeyGuard.name).warn(
        'API keys are off (AUTH_DISABLED=true): anyone who reaches the service can call /api/v1/* and /v1/*',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const req = requestOf(context);
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || this.keys.length === 0) {
      req.caller = ANONYMOUS;
      return true;
    }
    const presented = presentedKey(req);
    const key = presented === undefined ? undefined : matchKey(presented, this.keys);
    if (key === undefined) throw new UnauthorizedError();
    req.caller = { keyId: key.id };
    return true;
  }
}

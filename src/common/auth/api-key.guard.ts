import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { AllConfig } from '../../config/configuration';
import { UnauthorizedError } from './auth.errors';
import { keyIdOf, sha256Hex } from './api-key';
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
  private readonly digests: ReadonlySet<string>;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly reflector: Reflector,
  ) {
    this.digests = new Set(config.get('app.apiKeyDigests', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = requestOf(context);
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || this.digests.size === 0) {
      req.caller = ANONYMOUS;
      return true;
    }
    const key = presentedKey(req);
    const digest = key === undefined ? undefined : sha256Hex(key);
    if (digest === undefined || !this.digests.has(digest)) throw new UnauthorizedError();
    req.caller = { keyId: keyIdOf(digest) };
    return true;
  }
}

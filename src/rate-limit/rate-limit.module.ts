import { Module } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { callerOf, requestOf } from '../common/auth/caller';
import type { AllConfig } from '../config/configuration';
import { RedisConnection } from '../redis/redis.connection';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The throttler's options and storage, global, for ClientThrottlerGuard registered as an app guard. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, RedisConnection],
      useFactory: (config: ConfigService<AllConfig, true>, connection: RedisConnection) => {
        const { requests, windowMs } = config.get('rateLimit', { infer: true });
        const keyLimits = config.get('app.keyLimits', { infer: true });
        const perMinuteOf = (context: ExecutionContext) => {
          const { keyId } = callerOf(requestOf(context));
          return keyId === null ? undefined : keyLimits[keyId]?.requests_per_minute;
        };
        return {
          throttlers: [
            // No block past the window: a refused client may go on as soon as its window ends.
            { name: 'default', limit: requests, ttl: windowMs, blockDuration: 0 },
            // A key's own requests_per_minute (KEY_LIMITS), counted beside the service-wide limit.
            {
              name: 'key',
              limit: (context) => perMinuteOf(context) ?? 0,
              ttl: 60_000,
              blockDuration: 0,
              skipIf: (context) => perMinuteOf(context) === undefined,
            },
          ],
          storage: new RedisThrottlerStorage(connection),
        };
      },
    }),
  ],
})
export class RateLimitModule {}

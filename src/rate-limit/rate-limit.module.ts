import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
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
        return {
          throttlers: [
            // No block past the window: a refused client may go on as soon as its window ends.
            { name: 'default', limit: requests, ttl: windowMs, blockDuration: 0 },
          ],
          storage: new RedisThrottlerStorage(connection),
        };
      },
    }),
  ],
})
export class RateLimitModule {}

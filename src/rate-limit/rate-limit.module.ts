import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AllConfig } from '../config/configuration';
import { RateLimitStorage } from './rate-limit.storage';

@Module({ providers: [RateLimitStorage], exports: [RateLimitStorage] })
class RateLimitStorageModule {}

/** The throttler's options and storage; RateLimitGuard is registered as the app's guard. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [ConfigService, RateLimitStorage],
      useFactory: (config: ConfigService<AllConfig, true>, storage: RateLimitStorage) => {
        const { requests, windowMs } = config.get('rateLimit', { infer: true });
        return { throttlers: [{ name: 'default', limit: requests, ttl: windowMs }], storage };
      },
    }),
  ],
})
export class RateLimitModule {}

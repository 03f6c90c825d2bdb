import { Module } from '@nestjs/common';
import { RateLimitStorage } from './rate-limit.storage';

/** The counts behind RateLimitGuard, which is registered as the app's guard. */
@Module({ providers: [RateLimitStorage], exports: [RateLimitStorage] })
export class RateLimitModule {}

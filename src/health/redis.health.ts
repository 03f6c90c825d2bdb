import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RedisConnection } from '../redis/redis.connection';

const PING_TIMEOUT_MS = 500;

/** Up when Redis answers a PING promptly; only asked when Redis is configured. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisConnection,
    private readonly indicator: HealthIndicatorService,
  ) {}

  get isConfigured(): boolean {
    return this.redis.client !== undefined;
  }

  async check(): Promise<HealthIndicatorResult<'redis'>> {
    const session = this.indicator.check('redis');
    const client = this.redis.client;
    if (!client || !this.redis.isReady) return session.down({ message: 'not connected' });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS).unref(),
    );
    try {
      await Promise.race([client.ping(), timeout]);
      return session.up();
    } catch {
      return session.down({ message: 'no answer to PING' });
    }
  }
}

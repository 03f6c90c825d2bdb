import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClientType } from '@redis/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';
import {
  reasonOf,
  RedisConnection,
  standaloneClient,
  type RedisClient,
} from '../redis/redis.connection';

const FIRST_CONNECT_WAIT_MS = 2000;

/**
 * The Redis the response cache's shared tier lives on: its own client when
 * CACHE_REDIS_URL is set, so that Redis may evict (LRU) while the state Redis
 * runs `noeviction`; else the service's shared connection. Readiness never
 * asks about it: while it is down, answers are cache misses.
 */
@Injectable()
export class CacheRedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: RedisClient | undefined;
  readonly keyPrefix: string;
  private readonly own: RedisClientType | undefined;
  private down = false;

  constructor(
    config: ConfigService<AllConfig, true>,
    shared: RedisConnection,
    @InjectPinoLogger(CacheRedisConnection.name) private readonly logger: PinoLogger,
  ) {
    const url = config.get('cache.redisUrl', { infer: true });
    this.own = url ? standaloneClient(url) : undefined;
    this.client = this.own ?? shared.client;
    this.keyPrefix = shared.keyPrefix;
    // Without a listener an 'error' event would crash the process; a failed command is a miss anyway.
    this.own?.on('error', (error: unknown) => this.wentDown(error));
    this.own?.on('ready', () => this.cameBack());
  }

  /** connect() retries by itself until ready; start-up waits a moment so the first requests do not all miss. */
  async onModuleInit(): Promise<void> {
    if (!this.own) return;
    await Promise.race([
      // A failure is reported through the 'error' event already.
      this.own.connect().catch(() => undefined),
      sleep(FIRST_CONNECT_WAIT_MS, undefined, { ref: false }),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.own;
    if (!client?.isOpen) return;
    await client.close().catch(() => client.destroy());
  }

  /** Logged once per outage, not per failed reconnection; never the host, which may be internal. */
  private wentDown(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { reason: reasonOf(error) },
      'Cache Redis unavailable: the response cache falls back to this replica',
    );
  }

  private cameBack(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('Cache Redis back: the response cache is shared by the replicas again');
  }
}

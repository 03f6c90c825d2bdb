import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';

/**
 * Commands fail fast instead of queueing while Redis is away, so an outage
 * degrades requests (cache miss, local rate limit, 503 for history) rather than
 * hanging them; reconnection goes on in the background with backoff.
 */
const CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 1000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
};

const FIRST_CONNECT_WAIT_MS = 2000;

export type RedisClient = Redis | Cluster;

/** The one shared Redis (or Redis Cluster) connection, when one is configured. */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: RedisClient | undefined;
  readonly keyPrefix: string;
  private state: 'starting' | 'up' | 'down' = 'starting';

  constructor(
    config: ConfigService<AllConfig, true>,
    @InjectPinoLogger(RedisConnection.name) private readonly logger: PinoLogger,
  ) {
    const { url, clusterNodes, keyPrefix } = config.get('redis', { infer: true });
    this.keyPrefix = keyPrefix;
    this.client =
      clusterNodes.length > 0
        ? new Cluster(clusterNodes, {
            enableOfflineQueue: false,
            clusterRetryStrategy: CLIENT_OPTIONS.retryStrategy,
            redisOptions: CLIENT_OPTIONS,
          })
        : url
          ? new Redis(url, CLIENT_OPTIONS)
          : undefined;
    this.client?.on('ready', () => this.enter('up'));
    this.client?.on('error', (error: NodeJS.ErrnoException) => this.enter('down', error));
    this.client?.on('end', () => this.enter('down'));
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  /** Gives the first connection a moment, so the first requests do not all miss; never fails start-up. */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (!client || this.isReady) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    await this.client.quit().catch(() => this.client?.disconnect());
  }

  /** Logs each change of state once, not every failed command; never the host, which may be internal. */
  private enter(state: 'up' | 'down', error?: NodeJS.ErrnoException): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'up') {
      this.logger.info('Redis connected: shared cache, rate limits and conversations');
      return;
    }
    this.logger.warn(
      { reason: error?.code ?? error?.name },
      'Redis unavailable: cache falls back to this replica, rate limits to per-replica memory, history reads answer 503',
    );
  }
}

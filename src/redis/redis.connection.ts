import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  createClient,
  createCluster,
  type RedisClientType,
  type RedisClusterType,
} from '@redis/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { AllConfig } from '../config/configuration';
import { REPLY_TIMEOUT_MS } from './reply-deadline';

export type RedisClient = RedisClientType | RedisClusterType;

const FIRST_CONNECT_WAIT_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;
const RECOVERY_POLL_MS = 500;

/** Waits a little longer after each failed attempt, never more than 2 s. */
const backoff = (retries: number): number => Math.min((retries + 1) * 100, 2000);

/**
 * Commands fail fast instead of queueing while Redis is away, so an outage
 * degrades requests (cache miss, local rate limit, 503 for history) rather than
 * hanging them; reconnection goes on in the background with backoff.
 */
const NODE_OPTIONS = {
  disableOfflineQueue: true,
  socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: backoff },
};
// Bounds only the wait to be sent; withinReplyDeadline bounds the wait for the answer.
const COMMAND_OPTIONS = { timeout: REPLY_TIMEOUT_MS };

interface Connected {
  client: RedisClient;
  isReady: () => boolean;
}

/** A standalone client that fails fast like the shared one; not yet connected. */
export function standaloneClient(url: string): RedisClientType {
  return createClient({ url, ...NODE_OPTIONS, commandOptions: COMMAND_OPTIONS });
}

function standalone(url: string): Connected {
  const client = standaloneClient(url);
  return { client, isReady: () => client.isReady };
}

function cluster(nodes: readonly { host: string; port: number }[]): Connected {
  const client: RedisClusterType = createCluster({
    rootNodes: nodes.map(({ host, port }) => ({ socket: { host, port } })),
    defaults: NODE_OPTIONS,
    commandOptions: COMMAND_OPTIONS,
  });
  // Ready when every master is: a key may live on any of them.
  const isReady = () =>
    client.isOpen &&
    client.masters.length > 0 &&
    client.masters.every((master) => master.client?.isReady === true);
  return { client, isReady };
}

/** A socket error's code, else the error's class: node-redis names few of its errors. */
export function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return (error as NodeJS.ErrnoException).code ?? error.constructor.name;
}

/** The one shared Redis (or Redis Cluster) connection, when one is configured. */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: RedisClient | undefined;
  readonly keyPrefix: string;
  private readonly connected: Connected | undefined;
  private state: 'starting' | 'up' | 'down' = 'starting';
  private closing = false;
  private recoveryPoll: NodeJS.Timeout | undefined;

  constructor(
    config: ConfigService<AllConfig, true>,
    @InjectPinoLogger(RedisConnection.name) private readonly logger: PinoLogger,
  ) {
    const { url, clusterNodes, keyPrefix } = config.get('redis', { infer: true });
    this.keyPrefix = keyPrefix;
    this.connected =
      clusterNodes.length > 0 ? cluster(clusterNodes) : url ? standalone(url) : undefined;
    this.client = this.connected?.client;
    this.watch();
  }

  get isReady(): boolean {
    return this.connected?.isReady() ?? false;
  }

  /** Gives the first connection a moment, so the first requests do not all miss; never fails start-up. */
  async onModuleInit(): Promise<void> {
    if (!this.client) return;
    await Promise.race([
      this.open(this.client),
      sleep(FIRST_CONNECT_WAIT_MS, undefined, { ref: false }),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.recoveryPoll);
    const client = this.client;
    if (!client?.isOpen) return;
    await client.close().catch(() => client.destroy());
  }

  /**
   * A standalone client's connect() retries by itself until it is ready; a
   * cluster's gives up when no root node answers, so it is tried again here.
   */
  private async open(client: RedisClient): Promise<void> {
    for (let retries = 0; !this.closing && !client.isOpen; retries++) {
      try {
        await client.connect();
      } catch (error) {
        this.enter('down', error);
        await sleep(backoff(retries), undefined, { ref: false });
      }
    }
  }

  private watch(): void {
    const client = this.client;
    if (!client) return;
    // Without a listener an 'error' event would crash the process; failed commands reject anyway.
    client.on('error', (error: unknown) => this.enter('down', error));
    client.on('ready', () => this.enter('up'));
    client.on('node-error', (error: unknown) => this.enter('down', error));
    client.on('connect', () => {
      if (this.isReady) this.enter('up');
    });
  }

  /** Logs each change of state once, not every failed command; never the host, which may be internal. */
  private enter(state: 'up' | 'down', error?: unknown): void {
    if (state === this.state || this.closing) return;
    this.state = state;
    if (state === 'up') {
      clearInterval(this.recoveryPoll);
      this.recoveryPoll = undefined;
      this.logger.info('Redis connected: shared cache, rate limits and conversations');
      return;
    }
    this.pollForRecovery();
    this.logger.warn(
      { reason: reasonOf(error) },
      'Redis unavailable: cache falls back to this replica, rate limits to per-replica memory, history reads answer 503',
    );
  }

  /** A cluster reports only each node's first 'ready', so its return is noticed by looking. */
  private pollForRecovery(): void {
    if (this.recoveryPoll) return;
    this.recoveryPoll = setInterval(() => {
      if (this.isReady) this.enter('up');
    }, RECOVERY_POLL_MS);
    this.recoveryPoll.unref();
  }
}

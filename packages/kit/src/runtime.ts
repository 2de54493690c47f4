import { mkdir } from 'node:fs/promises';
import type { BaseConfig } from './config/config';
import { createDatabase, type Sql } from './database/database';
import { InboxRepository } from './database/inbox.repository';
import { OutboxRepository } from './database/outbox.repository';
import { createLogger, type Logger } from './logging/logger';
import { Broker } from './messaging/broker';
import { OutboxRelay } from './messaging/outbox.relay';
import { Metrics } from './observability/metrics';
import { type ObjectStorage, openStorage } from './storage';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/**
 * Everything with a side effect that a service process holds: one database pool, one broker
 * connection, the object storage, metrics and the outbox relay; and the order they close in.
 */
export class ServiceRuntime<C extends BaseConfig = BaseConfig> {
  readonly logger: Logger;
  readonly sql: Sql;
  readonly broker: Broker;
  readonly storage: ObjectStorage;
  readonly metrics: Metrics;
  readonly inbox: InboxRepository;
  readonly outbox: OutboxRepository;
  readonly relay: OutboxRelay;
  private readonly relaySql: Sql;
  private readonly checks: ReadinessCheck[] = [];
  private readonly closers: Array<{ name: string; close: () => Promise<void> }> = [];
  private shuttingDown = false;

  constructor(
    readonly service: string,
    readonly config: C,
  ) {
    this.logger = createLogger(service, config.LOG_LEVEL);
    this.metrics = new Metrics(service);
    this.sql = createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX, applicationName: service });
    this.broker = new Broker(config.RABBITMQ_URL, this.logger, service);
    this.storage = openStorage(config.STORAGE_URL, {
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    });
    this.inbox = new InboxRepository(this.sql);
    this.outbox = new OutboxRepository(this.sql);
    // The relay has its own small pool, so a busy request path never starves publishing.
    this.relaySql = createDatabase(config.DATABASE_URL, { max: 2, applicationName: `${service}-relay` });
    const relayOutbox = new OutboxRepository(this.relaySql);
    this.relay = new OutboxRelay(relayOutbox, this.broker, this.logger, this.metrics);
    this.metrics.countPendingOutboxWith(() => relayOutbox.countPending());
    this.checks.push(
      { name: 'database', check: async () => void (await this.sql`select 1`) },
      {
        name: 'storage',
        check: () => this.storage.check(),
      },
    );
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Starts the outbox relay. Postgres announces every committed outbox insert (`NOTIFY outbox`, sent at
   * commit), which wakes the relay at once; its poll is only the fallback.
   */
  async startRelay(): Promise<void> {
    this.relay.start();
    const { unlisten } = await this.relaySql.listen('outbox', () => this.relay.nudge());
    this.onShutdown('outbox listener', unlisten);
  }

  async prepareWorkDir(): Promise<string> {
    await mkdir(this.config.WORK_DIR, { recursive: true });
    return this.config.WORK_DIR;
  }

  addReadinessCheck(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Registers something to close at shutdown; closed in reverse order of registration. */
  onShutdown(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    await Promise.all(
      this.checks.map(async (c) => {
        try {
          await Promise.race([
            c.check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref()),
          ]);
          results[c.name] = 'ok';
        } catch (err) {
          results[c.name] = (err as Error).message || 'failed';
        }
      }),
    );
    const ready = !this.shuttingDown && Object.values(results).every((v) => v === 'ok');
    return { ready, checks: results };
  }

  /** Closes everything: registered parts first (consumers, HTTP), then relay, broker and database. */
  async shutdown(reason: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      this.logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, this.config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    for (const closer of [...this.closers].reverse()) {
      try {
        await closer.close();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, part: closer.name }, 'error while closing');
      }
    }
    await this.relay.stop();
    await this.broker.close();
    await this.relaySql.end({ timeout: 5 });
    await this.sql.end({ timeout: 5 });
    clearTimeout(deadline);
    this.logger.info('stopped');
  }

  /** SIGTERM and SIGINT start an orderly shutdown; the process exits when it is done. */
  installSignalHandlers(): void {
    const handler = (signal: NodeJS.Signals) => {
      void this.shutdown(signal).then(() => process.exit(0));
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }
}

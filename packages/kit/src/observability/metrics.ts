import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics every service exposes on /metrics; services add their own to `registry`. */
export class Metrics {
  readonly registry = new Registry();
  readonly messages: Counter<'queue' | 'outcome'>;
  readonly messageSeconds: Histogram<'queue'>;
  readonly outboxPublished: Counter;
  readonly outboxFailures: Counter;
  readonly deadLetters: Counter<'queue'>;
  readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly unexpectedErrors: Counter;
  private pendingOutbox: (() => Promise<number>) | undefined;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({
      name: 'genlake_messages_total',
      help: 'Messages handled by consumers, by queue and outcome (ok, retried, deferred, dead)',
      labelNames: ['queue', 'outcome'],
      registers: [this.registry],
    });
    this.messageSeconds = new Histogram({
      name: 'genlake_message_duration_seconds',
      help: 'Time to handle one message successfully',
      labelNames: ['queue'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [this.registry],
    });
    this.outboxPublished = new Counter({
      name: 'genlake_outbox_published_total',
      help: 'Outbox messages published with a broker confirm',
      registers: [this.registry],
    });
    this.outboxFailures = new Counter({
      name: 'genlake_outbox_failures_total',
      help: 'Outbox relay rounds that could not publish (broker unreachable)',
      registers: [this.registry],
    });
    this.deadLetters = new Counter({
      name: 'genlake_dead_letters_total',
      help: 'Dead letters stored for operators (by the notifier), by the consumer queue they came from',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    const metrics = this;
    new Gauge({
      name: 'genlake_outbox_pending',
      help: 'Outbox messages written but not yet published (the same table for every service)',
      registers: [this.registry],
      async collect() {
        if (metrics.pendingOutbox) this.set(await metrics.pendingOutbox().catch(() => Number.NaN));
      },
    });
    this.httpSeconds = new Histogram({
      name: 'genlake_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.unexpectedErrors = new Counter({
      name: 'genlake_http_unexpected_errors_total',
      help: 'HTTP requests answered 500: an unexpected fault of the service (each logged with its error id)',
      registers: [this.registry],
    });
  }

  /** Where the `genlake_outbox_pending` gauge reads its value at each scrape. */
  countPendingOutboxWith(count: () => Promise<number>): void {
    this.pendingOutbox = count;
  }
}

/**
 * PromQL over the metrics every genlake service exposes (packages/kit/src/observability/metrics.ts; every
 * series has a `service` label) and over RabbitMQ's per-queue metrics (rabbitmq_prometheus plugin,
 * `/metrics/detailed?family=queue_coarse_metrics`). One place, so the dashboards agree with each other.
 *
 * Expressions that feed a "status" stat end in `or vector(0)` so that "no data yet" reads as zero
 * (nothing wrong) instead of an empty panel.
 */
import type { ServiceInfo, Topology } from './topology.catalog';

export const METRICS = {
  messages: 'genlake_messages_total',
  deadLettersOpen: 'genlake_dead_letters_open',
  messageSeconds: 'genlake_message_duration_seconds',
  outboxPublished: 'genlake_outbox_published_total',
  outboxFailures: 'genlake_outbox_failures_total',
  outboxPending: 'genlake_outbox_pending',
  httpSeconds: 'genlake_http_request_duration_seconds',
  queueMessages: 'rabbitmq_detailed_queue_messages',
} as const;

/** The intake route: POST /api/batches answers 202 when a batch is accepted. */
const INTAKE = `service="gateway",method="POST",route="/api/batches"`;
/**
 * API routes whose duration says how responsive the API is: not the live event stream (open on purpose)
 * nor result downloads (as long as the result is large).
 */
const API_ROUTES = `service="gateway",route=~"/api/.*",route!~".*/(events|result)"`;
/** Dead-letter queues are named `<queue>.dead`. */
export const DEAD_QUEUES = `queue=~".+\\\\.dead"`;

export function orZero(expr: string): string {
  return `(${expr}) or vector(0)`;
}

export const intake = {
  acceptedPerSecond: (range: string) => `sum(rate(${METRICS.httpSeconds}_count{${INTAKE},status="202"}[${range}]))`,
  refusedPerSecond: (range: string) =>
    `sum(rate(${METRICS.httpSeconds}_count{service="gateway",route=~"/api/.*",status=~"4.."}[${range}]))`,
  serverErrorsPerSecond: (range: string) =>
    `sum(rate(${METRICS.httpSeconds}_count{service="gateway",status=~"5.."}[${range}]))`,
  latency: (quantile: number, range: string) =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.httpSeconds}_bucket{${API_ROUTES}}[${range}])))`,
  intakeLatency: (quantile: number, range: string) =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.httpSeconds}_bucket{${INTAKE}}[${range}])))`,
  outboxPublishedPerSecond: (range: string) => `sum(rate(${METRICS.outboxPublished}[${range}]))`,
  outboxFailuresPerSecond: (range: string) => `sum by (service) (rate(${METRICS.outboxFailures}[${range}]))`,
  outboxFailures: (range: string) => `sum(increase(${METRICS.outboxFailures}[${range}]))`,
  // Every service reports the same table; the largest report is the current backlog.
  outboxPending: () => `max(${METRICS.outboxPending})`,
};

export const queues = {
  /** Messages handled per second by outcome (ok, retried, deferred, dead), for the queues in `$queue`. */
  byOutcome: (range: string, queueMatcher = '$queue') =>
    `sum by (outcome) (rate(${METRICS.messages}{queue=~"${queueMatcher}"}[${range}]))`,
  deadLettered: (range: string, queueMatcher = '$queue') =>
    `sum by (queue) (increase(${METRICS.messages}{outcome="dead",queue=~"${queueMatcher}"}[${range}]))`,
  retriedOrDeferred: (range: string, queueMatcher = '$queue') =>
    `sum by (queue, outcome) (rate(${METRICS.messages}{outcome=~"retried|deferred",queue=~"${queueMatcher}"}[${range}]))`,
  duration: (quantile: number, range: string, queueMatcher = '$queue') =>
    `histogram_quantile(${quantile}, sum by (le, queue) (rate(${METRICS.messageSeconds}_bucket{queue=~"${queueMatcher}"}[${range}])))`,
  /** Messages waiting in RabbitMQ (ready + being worked on) per queue. */
  waiting: (queueMatcher: string) => `sum by (queue) (${METRICS.queueMessages}{queue=~"${queueMatcher}"})`,
  waitingTotal: (queue: string) => `sum(${METRICS.queueMessages}{queue="${queue}"})`,
  // The notifier moves dead letters into Postgres and reports the ones not replayed (every replica the same
  // number: max per queue); what still sits in a <queue>.dead queue waits for the notifier.
  deadWaitingByQueue: () =>
    `(max by (queue) (${METRICS.deadLettersOpen})) or (sum by (queue) (${METRICS.queueMessages}{${DEAD_QUEUES}}))`,
  deadWaitingTotal: () =>
    `(sum(max by (queue) (${METRICS.deadLettersOpen})) or vector(0)) + (sum(${METRICS.queueMessages}{${DEAD_QUEUES}}) or vector(0))`,
  completed: (queue: string, range: string) =>
    `sum(increase(${METRICS.messages}{queue="${queue}",outcome="ok"}[${range}]))`,
};

/**
 * Symptom counts for the "who to call" stats: each term is 1 when one symptom is present, so the sum is
 * the number of symptoms (0 = all good).
 */
export const symptoms = {
  down: (job: string) => `(1 - (max(up{job="${job}"}) or vector(0)))`,
  /** Like `down`, but a job Prometheus does not scrape at all (a broker without metrics) counts as up. */
  downIfScraped: (job: string) => `(1 - (max(up{job="${job}"}) or vector(1)))`,
  serverErrors: (svc: string, range: string) =>
    `((sum(increase(${METRICS.httpSeconds}_count{service="${svc}",status=~"5.."}[${range}])) or vector(0)) > bool 0)`,
  deadLetters: (svc: string, range: string) =>
    `((sum(increase(${METRICS.messages}{service="${svc}",outcome="dead"}[${range}])) or vector(0)) > bool 0)`,
  /** Work waits in the service's queue, yet it finished nothing during `range`. */
  stalled: (queue: string, range: string) =>
    `(((sum(${METRICS.queueMessages}{queue="${queue}"}) or vector(0)) > bool 0) * ((${queues.completed(queue, range)} or vector(0)) == bool 0))`,
  outboxFailing: (range: string) => `((${intake.outboxFailures(range)} or vector(0)) > bool 0)`,
  severalDown: (jobs: string[]) => `((count(up{job=~"${jobs.join('|')}"} == 0) or vector(0)) > bool 1)`,
};

/** Number of symptoms that point at a service's own team. */
export function serviceSymptoms(svc: ServiceInfo): string {
  const terms = [symptoms.down(svc.name)];
  if (svc.name === 'gateway') terms.push(symptoms.serverErrors(svc.name, '5m'));
  if (svc.consumes.length > 0) terms.push(symptoms.deadLetters(svc.name, '15m'));
  for (const queue of svc.consumes) terms.push(symptoms.stalled(queue, '15m'));
  return terms.join(' + ');
}

/** Number of symptoms that point at the platform: the broker, or several services at once. */
export function platformSymptoms(topology: Topology): string {
  return [
    symptoms.downIfScraped(topology.brokerJob),
    symptoms.outboxFailing('5m'),
    symptoms.severalDown(topology.services.map((s) => s.name)),
  ].join(' + ');
}

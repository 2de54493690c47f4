import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS, orZero, queues } from './metric.queries';
import {
  finish,
  labelVariable,
  newDashboard,
  row,
  statPanel,
  textPanel,
  timeSeriesPanel,
  ZERO_IS_GOOD,
} from './panel.builders';
import { pipelineQueues, type Topology } from './topology.catalog';

export interface StuckDashboardInput {
  uid: string;
  topology: Topology;
  /** A queue with work waiting and nothing finished for this long counts as stuck (PromQL duration). */
  stalledAfter: string;
}

/** "Is anything stuck?": does work flow through the queues, and does anything need a person? */
export function stuckDashboard(input: StuckDashboardInput): dashboard.Dashboard {
  const pipeline = pipelineQueues(input.topology);
  const [firstQueue, lastQueue] = [pipeline[0], pipeline.at(-1)!];
  const ownerOf = (queue: string) => input.topology.services.find((s) => s.consumes.includes(queue as never))!;
  const owners = pipeline.map((q) => `**${q}** → ${ownerOf(q).name} (${ownerOf(q).owner.name})`).join(', ');
  const builder = newDashboard({
    uid: input.uid,
    title: 'Is anything stuck?',
    description: 'Whether accepted batches flow through processing and correction, and which messages need a person.',
    tags: ['queues'],
  })
    .withVariable(labelVariable({ name: 'queue', label: 'Queue', query: `label_values(${METRICS.messages}, queue)` }))
    .withPanel(
      textPanel({
        title: 'How to read this page',
        height: 5,
        markdown: [
          `Each batch goes through two queues: ${owners}.`,
          '- **Dead letters** are messages that failed five times (or were invalid) and were set aside. Each one is a batch',
          '  that will not finish by itself: call the team that owns the queue.',
          '- **Retried** messages failed once and will be tried again later; **deferred** ones wait for an earlier',
          '  generation. A few are normal; a steady stream means trouble.',
          `- **Stuck**: messages wait but nothing finished for ${input.stalledAfter}.`,
        ].join('\n'),
      }),
    )
    .withRow(row('Right now'))
    .withPanel(
      statPanel({
        title: 'Dead letters waiting for a person',
        description:
          'Dead letters not replayed yet (kept by the notifier; `npm run dead-letters -- list`), plus any still in a <queue>.dead queue. Each is a batch or a notification that stopped. See docs/operations.md, "Dead letters: inspect and replay".',
        query: orZero(queues.deadWaitingTotal()),
        decimals: 0,
        steps: ZERO_IS_GOOD,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Batches waiting for processing',
        description: `Messages waiting in ${firstQueue}. High and not falling: processing is slow or stopped.`,
        query: orZero(queues.waitingTotal(firstQueue)),
        decimals: 0,
        sparkline: true,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Generations waiting for correction',
        description: `Messages waiting in ${lastQueue}.`,
        query: orZero(queues.waitingTotal(lastQueue)),
        decimals: 0,
        sparkline: true,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Batches completed in the last hour',
        description: 'Batches that went all the way through (corrected). Zero while batches wait above means stuck.',
        query: orZero(queues.completed(lastQueue, '1h')),
        decimals: 0,
      }),
    )
    .withRow(row('Over time (queues chosen above)'))
    .withPanel(
      timeSeriesPanel({
        title: 'Messages handled, by outcome',
        description:
          'ok: done; retried: failed, tried again later; deferred: waits for an earlier generation; dead: set aside.',
        queries: [{ expr: queues.byOutcome('$__rate_interval'), legend: '{{outcome}}' }],
        unit: 'reqps',
        stacked: true,
        colors: { ok: 'green', retried: 'orange', deferred: 'blue', dead: 'red' },
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Dead letters per queue',
        description: 'Messages set aside, by the queue they came from (new ones per interval), and how many wait.',
        queries: [
          { expr: queues.deadLettered('$__rate_interval'), legend: 'new: {{queue}}' },
          { expr: queues.deadWaitingByQueue(), legend: 'waiting: {{queue}}' },
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Retried and deferred per second',
        description: 'Some retries are normal after a hiccup; a steady stream means a service keeps failing.',
        queries: [{ expr: queues.retriedOrDeferred('$__rate_interval'), legend: '{{outcome}}: {{queue}}' }],
        unit: 'reqps',
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Processing time per message',
        description: 'How long one message takes to handle successfully (median and the slowest 5%).',
        queries: [
          { expr: queues.duration(0.5, '$__rate_interval'), legend: 'median: {{queue}}' },
          { expr: queues.duration(0.95, '$__rate_interval'), legend: 'p95: {{queue}}' },
        ],
        unit: 's',
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Messages waiting per queue',
        description: 'Messages in RabbitMQ, waiting or being worked on. Rising lines: the consumers do not keep up.',
        queries: [{ expr: queues.waiting('$queue'), legend: '{{queue}}' }],
        width: 24,
      }),
    );
  return finish(builder);
}

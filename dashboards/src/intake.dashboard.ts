import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { intake, orZero } from './metric.queries';
import { finish, newDashboard, row, statPanel, textPanel, timeSeriesPanel, ZERO_IS_GOOD } from './panel.builders';
import { service, type Topology } from './topology.catalog';

export interface IntakeDashboardInput {
  uid: string;
  topology: Topology;
  /** p99 response time (seconds) above which the latency turns orange, and red at `latencyRedSeconds`. */
  latencyOrangeSeconds: number;
  latencyRedSeconds: number;
}

/** "Is intake healthy?": can users hand us their batches, and do we pass them on? */
export function intakeDashboard(input: IntakeDashboardInput): dashboard.Dashboard {
  const gateway = service(input.topology, 'gateway');
  const latencySteps = [
    { from: 0, color: 'green' as const },
    { from: input.latencyOrangeSeconds, color: 'orange' as const },
    { from: input.latencyRedSeconds, color: 'red' as const },
  ];
  const builder = newDashboard({
    uid: input.uid,
    title: 'Is intake healthy?',
    description: `Whether users can hand in batches: the ${gateway.name} (${gateway.plainRole}), owned by ${gateway.owner.name}.`,
    tags: ['intake', gateway.name],
  })
    .withPanel(
      textPanel({
        title: 'How to read this page',
        height: 4,
        markdown: [
          `This page watches the **${gateway.name}**, ${gateway.plainRole}.`,
          `Green means fine. **Server errors above zero** or **handover failures that last more than a few minutes** mean`,
          `users or their data are affected: call **${gateway.owner.name}** (${gateway.owner.contact}).`,
          `If handover failures come with red on the "Who to call" page for other teams too, call **${input.topology.platform.name}** first.`,
        ].join('\n'),
      }),
    )
    .withRow(row('Right now (last 5 minutes)'))
    .withPanel(
      statPanel({
        title: 'Batches accepted per second',
        description: 'Batches the API accepted (answered 202). Zero is normal when nobody is sending data.',
        query: orZero(intake.acceptedPerSecond('5m')),
        unit: 'reqps',
        decimals: 2,
        sparkline: true,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Requests refused (bad input) per second',
        description:
          'Requests refused because the data sent was wrong (4xx answers). Usually the sender must fix its data; a sudden jump after a release may mean the API became too strict: tell team 1.',
        query: orZero(intake.refusedPerSecond('5m')),
        unit: 'reqps',
        decimals: 2,
        steps: [
          { from: 0, color: 'green' },
          { from: 1, color: 'orange' },
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Server errors per second',
        description: `Answers 5xx: the API failed on its side. Should always be 0. If not, call ${gateway.owner.name}.`,
        query: orZero(intake.serverErrorsPerSecond('5m')),
        unit: 'reqps',
        decimals: 2,
        steps: ZERO_IS_GOOD,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Slowest 1% of answers take',
        description:
          'The 99th percentile of API response time (live event streams and result downloads left out). Orange: users wait; red: users likely give up.',
        query: intake.latency(0.99, '5m'),
        unit: 's',
        decimals: 2,
        steps: latencySteps,
        noValue: 'no traffic',
      }),
    )
    .withRow(row('Handing batches on to processing (the outbox)'))
    .withPanel(
      statPanel({
        title: 'Messages handed to RabbitMQ per second',
        description:
          'Every accepted batch is first stored, then handed to RabbitMQ by the outbox relay. This should follow the accepted rate.',
        query: orZero(intake.outboxPublishedPerSecond('5m')),
        unit: 'reqps',
        decimals: 2,
        width: 8,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Batches waiting to be handed over',
        description:
          'Accepted batches whose announcement is not yet in RabbitMQ. Near zero normally; a growing number means the broker is unreachable (call platform). Nothing is lost meanwhile.',
        query: orZero(intake.outboxPending()),
        decimals: 0,
        width: 8,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Failed handover attempts (last 15 minutes)',
        description:
          'Times the outbox relay could not reach RabbitMQ. Nothing is lost (the batches wait in the database), but processing is delayed. Lasting failures: call platform (the broker).',
        query: orZero(intake.outboxFailures('15m')),
        decimals: 0,
        steps: ZERO_IS_GOOD,
        width: 8,
      }),
    )
    .withRow(row('Over time'))
    .withPanel(
      timeSeriesPanel({
        title: 'Batches accepted, refused and failed per second',
        description: 'Accepted (202), refused because of bad input (4xx) and server errors (5xx).',
        queries: [
          { expr: intake.acceptedPerSecond('$__rate_interval'), legend: 'accepted' },
          { expr: intake.refusedPerSecond('$__rate_interval'), legend: 'refused (bad input)' },
          { expr: intake.serverErrorsPerSecond('$__rate_interval'), legend: 'server errors' },
        ],
        unit: 'reqps',
        colors: { accepted: 'green', 'refused (bad input)': 'orange', 'server errors': 'red' },
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Response time',
        description: 'Half of the answers are faster than the median; 99 in 100 are faster than p99.',
        queries: [
          { expr: intake.latency(0.5, '$__rate_interval'), legend: 'median' },
          { expr: intake.latency(0.99, '$__rate_interval'), legend: 'p99' },
          { expr: intake.intakeLatency(0.99, '$__rate_interval'), legend: 'p99 of batch uploads' },
        ],
        unit: 's',
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Outbox: handed over and failed attempts per second',
        description:
          'Messages handed to RabbitMQ, and failed attempts per service. Failures with nothing handed over: RabbitMQ is unreachable.',
        queries: [
          { expr: intake.outboxPublishedPerSecond('$__rate_interval'), legend: 'handed over' },
          { expr: intake.outboxFailuresPerSecond('$__rate_interval'), legend: 'failed attempts ({{service}})' },
        ],
        width: 24,
        colors: { 'handed over': 'green' },
      }),
    );
  return finish(builder);
}

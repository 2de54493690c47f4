import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { platformSymptoms, serviceSymptoms } from './metric.queries';
import { finish, type Label, newDashboard, row, statPanel, textPanel } from './panel.builders';
import type { Topology } from './topology.catalog';

export interface WhoToCallDashboardInput {
  uid: string;
  topology: Topology;
  /** uids of the detail dashboards the text points to. */
  intakeUid: string;
  stuckUid: string;
}

function callLabels(team: string): Label[] {
  return [
    { from: 0, to: 0, text: 'All good', color: 'green' },
    { from: 1, text: `Call ${team}`, color: 'red' },
  ];
}

/** "Who to call": one status per owning team, and a table from symptom to team. */
export function whoToCallDashboard(input: WhoToCallDashboardInput): dashboard.Dashboard {
  const { topology } = input;
  const byName = Object.fromEntries(topology.services.map((s) => [s.name, s]));
  const { gateway, processor, corrector, notifier } = byName;
  const queues = (s: typeof gateway) => s.consumes.map((q) => `**${q}**`).join(', ');
  const platform = topology.platform;
  const rows: [symptom: string, team: string][] = [
    ['Users cannot send data; "Server errors" above zero on "Is intake healthy?"', gateway.owner.name],
    ['The gateway is down', gateway.owner.name],
    [`Dead letters from ${queues(processor)}, or batches wait and none are processed`, processor.owner.name],
    ['The processor is down', processor.owner.name],
    [`Dead letters from ${queues(corrector)}, or generations wait and none are corrected`, corrector.owner.name],
    ['The corrector is down', corrector.owner.name],
    [`Dead letters from ${queues(notifier)}, or e-mails and CRM reports wait and none are sent`, notifier.owner.name],
    ['The notifier is down (nobody is told about dead letters either)', notifier.owner.name],
    ['"Failed handover attempts" keep rising; RabbitMQ is down', platform.name],
    ['Two or more teams show red at the same time (database, broker, storage or network)', platform.name],
  ];
  const contacts = [...topology.services.map((s) => s.owner), platform]
    .map((o) => `- **${o.name}**: ${o.contact}`)
    .join('\n');
  const builder = newDashboard({
    uid: input.uid,
    title: 'Who to call',
    description: 'Which team to call for which symptom. Red boxes say whom to call now.',
    tags: ['on-call'],
    from: 'now-1h',
  })
    .withRow(row('Status per team (red = call now)'))
    .withPanel(
      statPanel({
        title: `${platform.name}: database, RabbitMQ, storage, network`,
        description:
          'Red when RabbitMQ is down, when messages cannot be handed to RabbitMQ, or when several services are down at once. Call platform first when it is red, even if other boxes are red too.',
        query: platformSymptoms(topology),
        labels: callLabels(platform.name),
        steps: [
          { from: 0, color: 'green' },
          { from: 1, color: 'red' },
        ],
        width: 24,
        height: 4,
      }),
    );
  for (const svc of topology.services) {
    builder.withPanel(
      statPanel({
        title: `${svc.owner.name}: ${svc.name}`,
        description: `The ${svc.name} is ${svc.plainRole}. Red when it is down${
          svc.consumes.length > 0
            ? `, when messages of ${svc.consumes.join(' or ')} were set aside as dead letters, or when they wait and none finish`
            : ', or when it answers with server errors'
        }.`,
        query: serviceSymptoms(svc),
        labels: callLabels(svc.owner.name),
        steps: [
          { from: 0, color: 'green' },
          { from: 1, color: 'red' },
        ],
        width: 8,
        height: 5,
      }),
    );
  }
  builder.withPanel(
    textPanel({
      title: 'What you see → who to call',
      height: 13,
      markdown: [
        '| What you see | Call |',
        '| --- | --- |',
        ...rows.map(([symptom, team]) => `| ${symptom} | **${team}** |`),
        '',
        `Details: [Is intake healthy?](/d/${input.intakeUid}) and [Is anything stuck?](/d/${input.stuckUid}).`,
        'Nothing users sent is lost while a box is red: accepted batches are stored first and wait.',
        '',
        contacts,
      ].join('\n'),
    }),
  );
  return finish(builder);
}

/**
 * The service topology: which services exist, the team that owns each and how to reach it, the port of its HTTP
 * server (health, metrics, and for the gateway the API), and the queues it consumes and the messages it produces.
 * The queues and messages are derived from the message catalog (catalog.ts), so they are written once; the rest is
 * written here once. Infra (team.services.ts), the dashboards, the alert rules, compose checks and the service
 * configs (default PORT) read it.
 */
import { CATALOG, type MessageType, type QueueName } from './catalog';

/** The people who answer for a part of the system. */
export interface Team {
  /** Short name the operations team uses, e.g. "team 1"; also the `team` label of every alert. */
  name: string;
  /** What the team looks after, in plain words. */
  area: string;
  /** How to reach the team, in plain words (on-call rota, chat channel). */
  contact: string;
}

export const TEAMS = {
  team1: {
    name: 'team 1',
    area: 'intake, the web API, accounts and notifications',
    contact: 'team 1 (intake / web API) on-call, chat channel #genlake-team-1',
  },
  team2: {
    name: 'team 2',
    area: 'processing',
    contact: 'team 2 (processing) on-call, chat channel #genlake-team-2',
  },
  team3: {
    name: 'team 3',
    area: 'correction',
    contact: 'team 3 (correction) on-call, chat channel #genlake-team-3',
  },
  platform: {
    name: 'platform',
    area: 'database, RabbitMQ, storage, network',
    contact: 'platform on-call (database, RabbitMQ, storage, network), #genlake-platform',
  },
} as const satisfies Record<string, Team>;
export type TeamId = keyof typeof TEAMS;

export interface ServiceDefinition {
  /** The owning team. */
  team: TeamId;
  /** Default port of the service's HTTP server (PORT); compose and the AWS tasks use the same. */
  port: number;
  /** What the service does, in words a non-technical reader understands. */
  plainRole: string;
  /** `http`: serves users behind the load balancer; `worker`: consumes queues (and serves only health/metrics). */
  kind: 'http' | 'worker';
}

/** Every genlake service. `/health`, `/ready` and `/metrics` are served on the service's own port. */
export const SERVICES = {
  gateway: {
    team: 'team1',
    port: 8080,
    kind: 'http',
    plainRole: 'the web API that receives batches from users',
  },
  processor: {
    team: 'team2',
    port: 8081,
    kind: 'worker',
    plainRole: 'turns each accepted batch into lake tables and a new generation',
  },
  corrector: {
    team: 'team3',
    port: 8082,
    kind: 'worker',
    plainRole: 'checks each new generation against earlier ones and corrects outliers',
  },
  notifier: {
    team: 'team1',
    port: 8083,
    kind: 'worker',
    plainRole: 'tells the CRM about new users and finished batches, sends e-mails, and keeps the dead letters',
  },
} as const satisfies Record<string, ServiceDefinition>;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** Where Prometheus reads a service's metrics (on its own port). */
export const METRICS_PATH = '/metrics';

/** The platform's own parts; they are watched by the platform team. */
export const PLATFORM = {
  team: 'platform',
  /** Prometheus job names of the platform exporters (RabbitMQ's rabbitmq_prometheus, postgres-exporter). */
  brokerJob: 'rabbitmq',
  databaseJob: 'postgres',
} as const satisfies { team: TeamId; brokerJob: string; databaseJob: string };

/** One service with everything the rest of the system needs to know about it. */
export interface ServiceTopology extends ServiceDefinition {
  name: ServiceName;
  owner: Team;
  /** Port of `/metrics` (the service's own port). */
  metricsPort: number;
  /** Consumer queues it reads, in catalog order. */
  consumes: QueueName[];
  /** Message types it publishes, in catalog order. */
  produces: MessageType[];
  /** Queues its messages land in (the consumers' queues), in catalog order. */
  feeds: QueueName[];
}

export function serviceTopology(name: ServiceName): ServiceTopology {
  const definition: ServiceDefinition = SERVICES[name];
  if (!definition) throw new Error(`unknown service ${name}`);
  const entries = Object.values(CATALOG);
  const produced = entries.filter((entry) => entry.producer === name);
  return {
    name,
    ...definition,
    owner: TEAMS[definition.team],
    metricsPort: definition.port,
    consumes: [
      ...new Set(entries.flatMap((entry) => entry.consumers.filter((c) => c.service === name).map((c) => c.queue))),
    ],
    produces: produced.map((entry) => entry.type),
    feeds: [...new Set(produced.flatMap((entry) => entry.consumers.map((c) => c.queue)))],
  };
}

/** Every service, in SERVICES order. */
export function topology(): ServiceTopology[] {
  return SERVICE_NAMES.map(serviceTopology);
}

/** The service that consumes `queue` (also for its `<queue>.dead` and delay queues' base name). */
export function ownerOfQueue(queue: string): ServiceTopology {
  const found = topology().find((s) => s.consumes.includes(queue as QueueName));
  if (!found) throw new Error(`no service consumes the queue ${queue}`);
  return found;
}

/** The messages that carry a batch through the system, in order: accepted, then its generation produced. */
export const BATCH_PIPELINE = ['batch.accepted', 'generation.produced'] as const satisfies readonly MessageType[];

/** The queues a batch waits in on its way, in order (the consumers' queues of BATCH_PIPELINE). */
export function batchPipelineQueues(): QueueName[] {
  return BATCH_PIPELINE.flatMap((type) => CATALOG[type].consumers.map((c) => c.queue));
}

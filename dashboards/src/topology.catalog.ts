/**
 * What the dashboards need to know about the running system: the services, the queues they consume,
 * and who owns what. Kept here as plain data so the dashboards package depends on nothing but the
 * Grafana SDK; a test checks it against the contracts (queue names) and the compose file (ports).
 */

export type ServiceName = 'gateway' | 'processor' | 'corrector';

export interface Owner {
  /** Short name the operations team uses, e.g. "team 1". */
  team: string;
  /** How to reach the team, in plain words (chat channel, on-call rota). */
  contact: string;
}

export interface ServiceInfo {
  name: ServiceName;
  /** The port of /health and /metrics; also the Prometheus job name's target port. */
  port: number;
  /** What the service does, in words a non-technical reader understands. */
  plainRole: string;
  owner: Owner;
  /** The queue the service consumes, when it is a worker. */
  queue?: string;
}

export interface Topology {
  services: readonly ServiceInfo[];
  /** Database, broker, object storage, network: the platform team. */
  platform: Owner;
  /** The Prometheus job that scrapes RabbitMQ's per-queue metrics (rabbitmq_detailed_queue_*). */
  brokerJob: string;
}

/** The genlake system as deployed by compose.yaml and the CDK app. */
export const GENLAKE: Topology = {
  services: [
    {
      name: 'gateway',
      port: 8080,
      plainRole: 'the web API that receives batches from users',
      owner: { team: 'team 1', contact: 'team 1 (intake / web API) on-call, chat channel #genlake-team-1' },
    },
    {
      name: 'processor',
      port: 8081,
      plainRole: 'turns each accepted batch into lake tables and a new generation',
      owner: { team: 'team 2', contact: 'team 2 (processing) on-call, chat channel #genlake-team-2' },
      queue: 'processor.batch-accepted',
    },
    {
      name: 'corrector',
      port: 8082,
      plainRole: 'checks each new generation against earlier ones and corrects outliers',
      owner: { team: 'team 3', contact: 'team 3 (correction) on-call, chat channel #genlake-team-3' },
      queue: 'corrector.generation-produced',
    },
  ],
  platform: { team: 'platform', contact: 'platform on-call (database, RabbitMQ, storage, network), #genlake-platform' },
  brokerJob: 'rabbitmq',
};

export function service(topology: Topology, name: ServiceName): ServiceInfo {
  const found = topology.services.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service ${name}`);
  return found;
}

/** Queues consumed by the workers, in pipeline order. */
export function workerQueues(topology: Topology): string[] {
  return topology.services.flatMap((s) => (s.queue ? [s.queue] : []));
}

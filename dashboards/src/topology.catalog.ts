/**
 * What the dashboards need to know about the running system, read from the service topology of the contracts
 * (packages/contracts/src/topology.ts): the services, the queues they consume, who owns what and how to reach them.
 * Nothing here is written a second time; the dashboards take a `Topology` so tests can pass another one.
 */
import {
  batchPipelineQueues,
  PLATFORM,
  type ServiceTopology,
  TEAMS,
  type Team,
  topology,
} from '@genlake/contracts/topology';

export type { ServiceName } from '@genlake/contracts/topology';
export type Owner = Team;
export type ServiceInfo = ServiceTopology;

export interface Topology {
  services: readonly ServiceInfo[];
  /** Database, broker, object storage, network: the platform team. */
  platform: Owner;
  /** The Prometheus job that scrapes RabbitMQ's per-queue metrics (rabbitmq_detailed_queue_*). */
  brokerJob: string;
  /** The Prometheus job that scrapes postgres-exporter (pg_*). */
  databaseJob: string;
}

/** The genlake system as deployed by compose.yaml and the CDK app. */
export const GENLAKE: Topology = {
  services: topology(),
  platform: TEAMS[PLATFORM.team],
  brokerJob: PLATFORM.brokerJob,
  databaseJob: PLATFORM.databaseJob,
};

export function service(topology: Topology, name: ServiceInfo['name']): ServiceInfo {
  const found = topology.services.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service ${name}`);
  return found;
}

/** Every queue consumed by a worker, in topology order (pipeline first, then notifications). */
export function workerQueues(topology: Topology): string[] {
  return topology.services.flatMap((s) => s.consumes);
}

/** The queues a batch goes through, in order (processing, then correction). */
export function pipelineQueues(topology: Topology): string[] {
  const queues = batchPipelineQueues();
  return queues.filter((q) => topology.services.some((s) => s.consumes.includes(q as never)));
}

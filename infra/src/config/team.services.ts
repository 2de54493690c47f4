import { tablePrefix, tablesForStage } from '@genlake/lake';
import type { EnvironmentConfigInput } from './config.schema';

type ServiceInput = EnvironmentConfigInput['services'][string];
type ServiceFacts = Pick<
  ServiceInput,
  'kind' | 'port' | 'queue' | 'pathPatterns' | 'storage' | 'environment' | 'enabled'
>;
export type ServiceSizing = Omit<ServiceInput, keyof ServiceFacts>;

/**
 * What each team service is, the same in every environment: kind, port, the queue it consumes (names from
 * packages/contracts: QUEUES) and the object-key prefixes it may read and write. The lake tables a stage writes
 * come from lake/tables, so a new table gets its grant without touching infra.
 *
 * To add a service (the notifier, in a later issue), add one entry here and its sizing in dev.config.ts and
 * prod.config.ts, e.g.
 *   notifier: { kind: 'worker', port: 8083, queue: 'notifier.batch-completed', storage: { read: [], write: [] } },
 */
export const TEAM_SERVICES = {
  gateway: {
    kind: 'http',
    port: 8080,
    pathPatterns: ['/api/*'],
    // claim-checked uploads in; every lake table out (pages, results, generation comparisons)
    storage: { read: ['lake/'], write: ['incoming/'] },
  },
  processor: {
    kind: 'worker',
    port: 8081,
    queue: 'processor.batch-accepted',
    storage: { read: ['incoming/'], write: tablesForStage('processed').map((t) => tablePrefix(t)) },
  },
  corrector: {
    kind: 'worker',
    port: 8082,
    queue: 'corrector.generation-produced',
    storage: { read: ['lake/estimates/'], write: tablesForStage('corrected').map((t) => tablePrefix(t)) },
  },
} as const satisfies Record<string, ServiceFacts>;

export type TeamServiceName = keyof typeof TEAM_SERVICES;

/** The services of an environment: the shared facts above plus the environment's sizing of each. */
export function teamServices(sizing: Record<TeamServiceName, ServiceSizing>): Record<string, ServiceInput> {
  const out: Record<string, ServiceInput> = {};
  for (const [name, facts] of Object.entries(TEAM_SERVICES)) {
    const { storage, pathPatterns, ...rest } = facts as ServiceFacts;
    out[name] = {
      ...rest,
      pathPatterns: pathPatterns ? [...pathPatterns] : undefined,
      storage: storage ? { read: [...(storage.read ?? [])], write: [...(storage.write ?? [])] } : undefined,
      ...sizing[name as TeamServiceName],
    };
  }
  return out;
}

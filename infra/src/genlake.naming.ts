import type { EnvironmentConfig, ServiceConfig } from './config';

/** The enabled services of an environment, in a stable order (construct ids depend on it). */
export function enabledServices(config: EnvironmentConfig): [string, ServiceConfig][] {
  return Object.entries(config.services)
    .filter(([, s]) => s.enabled)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Enabled worker services (they consume a queue). */
export function workerServices(config: EnvironmentConfig): [string, ServiceConfig & { queue: string }][] {
  return enabledServices(config).filter((e): e is [string, ServiceConfig & { queue: string }] => !!e[1].queue);
}

/** Every queue a worker consumes: its `queue`, then its `extraQueues`. */
export function queuesOf(service: ServiceConfig): string[] {
  return service.queue ? [service.queue, ...service.extraQueues] : [];
}

/** `genlake-<env>-<what>`: names of resources that need one (log groups, roles, broker). */
export function resourceName(config: EnvironmentConfig, what: string): string {
  return `genlake-${config.name}-${what}`;
}

/** `corrected-estimates` → `CorrectedEstimates`: construct ids from names. */
export function pascal(name: string): string {
  return name
    .split(/[-_.]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

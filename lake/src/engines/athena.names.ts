/** The Athena workgroup of an environment of the CDK app (infra/src/stacks/lake.stack.ts: `resourceName(config, 'analysts')`). */
export function athenaWorkgroupName(environment: string): string {
  return `genlake-${environment}-analysts`;
}

/** The Glue database of an environment of the CDK app (infra/src/stacks/lake.stack.ts: `genlake_<environment>`). */
export function glueDatabaseName(environment: string): string {
  return `genlake_${environment}`;
}

import { type EnvironmentConfig, type EnvironmentConfigInput, parseEnvironmentConfig } from './config.schema';
import { devConfig } from './dev.config';
import { prodConfig } from './prod.config';

export { CLOUDFRONT_PREFIX_LISTS } from './cloudfront.prefix-lists';
export * from './config.schema';
export { TEAM_SERVICES, type TeamServiceName, teamServices } from './team.services';

/** The configurations the app deploys, by environment name. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfigInput>> = { dev: devConfig, prod: prodConfig };

/** The validated configuration of one environment (throws ConfigError naming each bad field). */
export function loadConfig(name: string): EnvironmentConfig {
  const input = ENVIRONMENTS[name];
  if (!input) throw new Error(`unknown environment "${name}" (known: ${Object.keys(ENVIRONMENTS).join(', ')})`);
  return parseEnvironmentConfig(input, name);
}

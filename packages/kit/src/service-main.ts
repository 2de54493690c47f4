import type { z } from 'zod';
import { type BaseConfig, ConfigError, parseConfig } from './config/config';
import { ServiceRuntime } from './runtime';

/**
 * The entry point every service uses: parse the configuration (a bad variable stops the process
 * with a message naming it, exit code 1, no stack trace), build the runtime, install signal
 * handlers, then run `start`. A failure to start shuts down what was opened and exits 1.
 */
export async function runService<S extends z.ZodType<BaseConfig>>(
  name: string,
  schema: S,
  start: (runtime: ServiceRuntime<z.infer<S>>) => Promise<void>,
): Promise<void> {
  let config: z.infer<S>;
  try {
    config = parseConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const runtime = new ServiceRuntime(name, config);
  runtime.installSignalHandlers();
  try {
    await start(runtime);
  } catch (err) {
    runtime.logger.fatal({ err: (err as Error).message }, 'failed to start');
    await runtime.shutdown('failed to start').catch(() => {});
    process.exit(1);
  }
}

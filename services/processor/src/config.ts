import { SERVICES } from '@genlake/contracts';
import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

export const processorConfigSchema = baseConfigSchema.extend({
  /** Health and metrics port. */
  PORT: env.port(SERVICES.processor.port),
  /** Batches processed at once by one process (each runs DuckDB on all DUCKDB_THREADS). */
  PROCESSOR_CONCURRENCY: env.int(1, 1, 64),
  PROCESSOR_PREFETCH: env.int(2, 1, 1000),
  DUCKDB_THREADS: env.int(2, 1, 64),
  DUCKDB_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i)
    .default('2GB'),
});

export type ProcessorConfig = z.infer<typeof processorConfigSchema>;

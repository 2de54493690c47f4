import { SERVICES } from '@genlake/contracts';
import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

export const correctorConfigSchema = baseConfigSchema
  .extend({
    /** Health and metrics port. */
    PORT: env.port(SERVICES.corrector.port),
    CORRECTOR_CONCURRENCY: env.int(2, 1, 64),
    CORRECTOR_PREFETCH: env.int(4, 1, 1000),
    /** Robust z-score above which an estimate is an outlier (Iglewicz & Hoaglin recommend 3.5). */
    CORRECTION_THRESHOLD: z.coerce.number().positive().max(100).default(3.5),
    /** Previous generations needed before anything is corrected. */
    CORRECTION_MIN_HISTORY: env.int(3, 1, 1000),
    /** Most recent previous generations compared with. */
    CORRECTION_MAX_HISTORY: env.int(10, 1, 1000),
    DUCKDB_THREADS: env.int(2, 1, 64),
    DUCKDB_MEMORY_LIMIT: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i)
      .default('1GB'),
  })
  .refine((c) => c.CORRECTION_MIN_HISTORY <= c.CORRECTION_MAX_HISTORY, {
    message: 'must not exceed CORRECTION_MAX_HISTORY',
    path: ['CORRECTION_MIN_HISTORY'],
  });

export type CorrectorConfig = z.infer<typeof correctorConfigSchema>;

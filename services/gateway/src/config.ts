import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: env.port(8080),
  HOST: z.string().default('0.0.0.0'),
  /** Owner of batches until accounts exist: every batch and dataset already carries an owner id. */
  DEFAULT_OWNER_ID: z.string().min(1).default('public'),
  /** Largest JSON body (typed records); bigger batches are sent as CSV or NDJSON streams. */
  JSON_BODY_MAX_BYTES: env.int(16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  /** Largest CSV / NDJSON upload, read as a stream. */
  STREAM_BODY_MAX_BYTES: env.int(1024 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
  MAX_RECORDS_PER_BATCH: env.int(50_000_000, 1, 1_000_000_000),
  /** Normalized payloads up to this size stay in Postgres; larger ones go to object storage (claim check). */
  INLINE_PAYLOAD_MAX_BYTES: env.int(512 * 1024, 0, 64 * 1024 * 1024),
  /** Rows a table page may hold. */
  PAGE_MAX_ROWS: env.int(1000, 1, 100_000),
  RESULT_MAX_ROWS: env.int(1_000_000, 1, 50_000_000),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

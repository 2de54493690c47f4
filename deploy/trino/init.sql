-- Generated from lake/tables by test/repo/trino.generator.ts: do not edit.
-- Regenerate: GENLAKE_TEST_UPDATE=1 npx vitest run --project small test/repo/compose.test.ts
-- The lake tables over s3://genlake/lake/, for the Trino Hive connector.
CREATE SCHEMA IF NOT EXISTS "hive"."genlake";

CREATE TABLE IF NOT EXISTS "hive"."genlake"."corrected_estimates" (
  "estimate_id" bigint,
  "entity" varchar,
  "metric" varchar,
  "value" double,
  "original_value" double,
  "corrected" boolean,
  "correction_id" bigint,
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'The corrected output of the generation: one row per estimate, corrected or passed through unchanged.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/corrected_estimates/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CREATE TABLE IF NOT EXISTS "hive"."genlake"."corrections" (
  "correction_id" bigint,
  "estimate_id" bigint,
  "entity" varchar,
  "metric" varchar,
  "original_value" double,
  "corrected_value" double,
  "method" varchar,
  "reason" varchar,
  "score" double,
  "median" double,
  "mad" double,
  "history_count" integer,
  "generations_used" array(integer),
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'Every correction the correction stage applied to an estimate of the generation, with the statistics and the previous generations it used.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/corrections/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CREATE TABLE IF NOT EXISTS "hive"."genlake"."estimates" (
  "estimate_id" bigint,
  "entity" varchar,
  "metric" varchar,
  "value" double,
  "mean" double,
  "obs_count" bigint,
  "window_count" bigint,
  "first_ts" timestamp,
  "last_ts" timestamp,
  "source_feature_id" bigint,
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'The output of the generation: one estimate per entity and metric.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/estimates/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CREATE TABLE IF NOT EXISTS "hive"."genlake"."features" (
  "feature_id" bigint,
  "window_id" bigint,
  "pass" integer,
  "parent_feature_id" bigint,
  "entity" varchar,
  "metric" varchar,
  "window_start" timestamp,
  "value" double,
  "delta" double,
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'Derived values per window, one row per window and pass. Pass 1 is the window mean; pass p > 1 is the moving average of pass p-1 over the current and the previous p-1 windows of the same entity and metric.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/features/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CREATE TABLE IF NOT EXISTS "hive"."genlake"."observations" (
  "obs_id" bigint,
  "batch_id" varchar,
  "entity" varchar,
  "metric" varchar,
  "ts" timestamp,
  "value" double,
  "tags" varchar,
  "window_id" bigint,
  "is_duplicate" boolean,
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'Every submitted record of the batch after normalization, one row per record, linked to the window it falls in. Duplicates (same entity, metric and ts) are kept and flagged; the record with the highest index wins.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/observations/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CREATE TABLE IF NOT EXISTS "hive"."genlake"."windows" (
  "window_id" bigint,
  "entity" varchar,
  "metric" varchar,
  "window_start" timestamp,
  "window_end" timestamp,
  "obs_count" bigint,
  "value_mean" double,
  "value_min" double,
  "value_max" double,
  "value_stddev" double,
  "first_obs_id" bigint,
  "last_obs_id" bigint,
  "dataset" varchar,
  "date" date,
  "generation" integer
)
COMMENT 'Non-duplicate observations grouped per entity, metric and fixed time window [window_start, window_end); the window length comes from the batch complexity.'
WITH (
  format = 'PARQUET',
  external_location = 's3://genlake/lake/windows/',
  partitioned_by = ARRAY['dataset', 'date', 'generation']
);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'corrected_estimates', mode => 'ADD', case_sensitive => true);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'corrections', mode => 'ADD', case_sensitive => true);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'estimates', mode => 'ADD', case_sensitive => true);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'features', mode => 'ADD', case_sensitive => true);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'observations', mode => 'ADD', case_sensitive => true);

CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'windows', mode => 'ADD', case_sensitive => true);

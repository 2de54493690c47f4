-- Generated from lake/tables by test/repo/trino.generator.ts: do not edit.
-- Regenerate: GENLAKE_TEST_UPDATE=1 npx vitest run --project small test/repo/compose.test.ts
-- Registers the partitions (generations) written since the last run; FULL also forgets deleted ones.
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'corrected_estimates', mode => 'FULL', case_sensitive => true);
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'corrections', mode => 'FULL', case_sensitive => true);
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'estimates', mode => 'FULL', case_sensitive => true);
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'features', mode => 'FULL', case_sensitive => true);
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'observations', mode => 'FULL', case_sensitive => true);
CALL "hive".system.sync_partition_metadata(schema_name => 'genlake', table_name => 'windows', mode => 'FULL', case_sensitive => true);

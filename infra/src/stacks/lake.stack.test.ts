import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Json, resources, stages, template } from '../synth.fixture';

// the definitions read straight from lake/tables, not through the code under test
const TABLES_DIR = join(__dirname, '../../../lake/tables');
const definitions = readdirSync(TABLES_DIR)
  .filter((f) => f.endsWith('.table.json'))
  .map((f) => JSON.parse(readFileSync(join(TABLES_DIR, f), 'utf8')));
const HIVE: Record<string, string> = {
  string: 'string',
  int32: 'int',
  int64: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
  json: 'string',
  'list<int32>': 'array<int>',
  'list<string>': 'array<string>',
};

describe.each(['dev', 'prod'])('%s lake stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.lake);
  const config = stage.config;
  const tables = resources(t, 'AWS::Glue::Table').map(([, p]) => p.TableInput);

  it('has one Glue table per lake table, with the same columns and types', () => {
    expect(tables.map((x) => x.Name).sort()).toEqual(definitions.map((d) => d.name).sort());
    for (const d of definitions) {
      const table = tables.find((x) => x.Name === d.name);
      expect(table.StorageDescriptor.Columns.map((c: Json) => [c.Name, c.Type])).toEqual(
        d.columns.map((c: Json) => [c.name, HIVE[c.type]]),
      );
      expect(table.PartitionKeys.map((c: Json) => [c.Name, c.Type])).toEqual([
        ['dataset', 'string'],
        ['date', 'date'],
        ['generation', 'int'],
      ]);
      expect(table.TableType).toBe('EXTERNAL_TABLE');
      expect(table.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/ParquetHiveSerDe/);
    }
  });

  it('projects partitions (no crawler): dataset injected, date range, generation integers, location template', () => {
    for (const table of tables) {
      const p = table.Parameters;
      expect(p['projection.enabled']).toBe('true');
      expect(p['projection.dataset.type']).toBe('injected');
      expect(p['projection.date.type']).toBe('date');
      expect(p['projection.date.range']).toBe(`${config.lake.projectionDateFrom},NOW`);
      expect(p['projection.date.format']).toBe('yyyy-MM-dd');
      expect(p['projection.generation.type']).toBe('integer');
      expect(p['projection.generation.range']).toBe(`1,${config.lake.projectionGenerationMax}`);
      const template = JSON.stringify(p['storage.location.template']);
      expect(template).toContain(
        `/data/lake/${table.Name}/dataset=\${dataset}/date=\${date}/generation=\${generation}/`,
      );
      expect(JSON.stringify(table.StorageDescriptor.Location)).toContain(`/data/lake/${table.Name}/`);
    }
  });

  it('keeps the lake private, encrypted, versioned, logged, tiered', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: Match.objectLike({
              SSEAlgorithm: config.lake.encryption === 'kms' ? 'aws:kms' : 'AES256',
            }),
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/lake/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'data/lake/',
            Transitions: Match.arrayWith([
              { StorageClass: 'STANDARD_IA', TransitionInDays: config.lake.infrequentAccessAfterDays },
            ]),
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
    if (config.lake.encryption === 'kms') t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('has an Athena workgroup on engine v3 with a per-query scan limit and results in the bucket', () => {
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: config.lake.athenaBytesScannedCutoffMb * 1024 * 1024,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: Match.objectLike({ OutputLocation: Match.anyValue() }),
      }),
    });
    const [[, wg]] = resources(t, 'AWS::Athena::WorkGroup');
    expect(JSON.stringify(wg.WorkGroupConfiguration.ResultConfiguration.OutputLocation)).toContain('/athena-results/');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inferStage, loadAssembly } from './assembly.js';
import { cleanup, template, tmpDir, writeAssembly } from './fixtures/helpers.js';

afterAll(cleanup);

const bucket = template({ B: { Type: 'AWS::S3::Bucket' } });

describe('loadAssembly', () => {
  it('reads one stage per nested assembly, with the stacks, their region and templates', () => {
    const dir = writeAssembly(
      { prod: { data: bucket }, dev: { data: bucket, edge: bucket } },
      { region: 'eu-central-1' },
    );
    const a = loadAssembly(dir, { stageOrder: ['dev', 'prod'] });
    expect(a.stages.map((s) => s.name)).toEqual(['dev', 'prod']);
    expect(a.stages[0].stacks.map((s) => s.displayName)).toEqual(['dev/data', 'dev/edge']);
    expect(a.stages[0].stacks[0]).toMatchObject({ region: 'eu-central-1', name: 'genlake-dev-data' });
    expect(a.stages[0].stacks[0].template.Resources.B.Type).toBe('AWS::S3::Bucket');
  });

  it('leaves the region unset when the stack is environment-agnostic', () => {
    const dir = writeAssembly({ dev: { data: bucket } }, { region: 'unknown-region' });
    expect(loadAssembly(dir).stages[0].stacks[0].region).toBeUndefined();
  });

  it('groups top-level stacks by the stage their names or tags name', () => {
    const dir = tmpDir();
    const artifacts = {};
    for (const [id, extra] of [
      ['GenlakeDevNetwork', {}],
      ['genlake-prod-data', {}],
      ['Shared', { tags: { Environment: 'production' } }],
    ]) {
      fs.writeFileSync(path.join(dir, `${id}.template.json`), JSON.stringify(bucket));
      artifacts[id] = {
        type: 'aws:cloudformation:stack',
        environment: 'aws://123456789012/us-east-1',
        properties: { templateFile: `${id}.template.json`, ...extra },
      };
    }
    artifacts.Tree = { type: 'cdk:tree', properties: { file: 'tree.json' } };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
    const a = loadAssembly(dir, { stageOrder: ['dev', 'prod'] });
    expect(a.stages.map((s) => [s.name, s.stacks.map((x) => x.id)])).toEqual([
      ['dev', ['GenlakeDevNetwork']],
      ['prod', ['genlake-prod-data', 'Shared']],
    ]);
    expect(a.stages[0].stacks[0].region).toBe('us-east-1');
  });

  it('reads nested stacks from their asset templates', () => {
    const dir = writeAssembly({
      prod: {
        main: template({
          Nested: {
            Type: 'AWS::CloudFormation::Stack',
            Metadata: { 'aws:asset:path': 'prodNested.nested.template.json' },
          },
        }),
      },
    });
    fs.writeFileSync(path.join(dir, 'assembly-prod', 'prodNested.nested.template.json'), JSON.stringify(bucket));
    const stacks = loadAssembly(dir).stages[0].stacks;
    expect(stacks.map((s) => s.displayName)).toEqual(['prod/main', 'prod/main/Nested']);
    expect(stacks[1].template.Resources.B).toBeDefined();
  });

  it('reads a directory of loose templates, one stack each', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'dev-network.template.json'), JSON.stringify(bucket));
    fs.writeFileSync(path.join(dir, 'prod-network.template.json'), JSON.stringify(bucket));
    expect(loadAssembly(dir).stages.map((s) => s.name)).toEqual(['dev', 'prod']);
  });

  it('says to run the synth when there is no assembly', () => {
    expect(() => loadAssembly(path.join(tmpDir(), 'cdk.out'))).toThrow(/run npm run synth first/);
    expect(() => loadAssembly(tmpDir())).toThrow(expect.objectContaining({ name: 'AssemblyMissingError' }));
  });
});

describe('inferStage', () => {
  it('finds the stage in stack names of every style', () => {
    expect(inferStage('genlake-dev-network')).toBe('dev');
    expect(inferStage('GenlakeProdData')).toBe('prod');
    expect(inferStage('prod/services')).toBe('prod');
    expect(inferStage('production')).toBe('prod');
    expect(inferStage('Developer')).toBeUndefined();
    expect(inferStage('network')).toBeUndefined();
  });
});

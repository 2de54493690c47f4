import { writeFileSync } from 'node:fs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BASELINE_FILE, baselineOf, compareWithBaseline, readBaseline } from './stateful.baseline';
import { stages } from './synth.fixture';

describe.each(['dev', 'prod'])('%s stage', (env) => {
  const stage = stages()[env];

  it('leaves no cdk-nag AwsSolutions finding unsuppressed (errors or warnings)', () => {
    for (const stack of stage.node.children.filter((c): c is import('aws-cdk-lib').Stack => 'templateOptions' in c)) {
      const annotations = Annotations.fromStack(stack);
      const findings = [
        ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-|CdkNagValidationFailure')),
        ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-|CdkNagValidationFailure')),
      ];
      expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 120)}`)).toEqual([]);
    }
    // synthesizing and checking a whole stage takes 5-13 s alone and several times that on a busy machine
  }, 120_000);

  it('puts the stateful stacks under termination protection in prod only, and CloudFront pieces in us-east-1', () => {
    const protectedStacks = [
      stage.global,
      stage.network,
      stage.delivery,
      stage.data,
      stage.lake,
      stage.messaging,
      stage.notifications,
      stage.edge,
    ];
    for (const s of protectedStacks) expect(s.terminationProtection).toBe(env === 'prod');
    expect(stage.services.terminationProtection).toBe(false);
    expect(stage.observability.terminationProtection).toBe(false);
    expect(stage.global.region).toBe('us-east-1');
    expect(stage.data.region).toBe(stage.config.region);
    expect(stage.data.account).toBe(stage.config.account);
  });
});

describe('stateful resources', () => {
  it('keep their logical ids and types (infra/test/stateful-baseline.json)', () => {
    const current = baselineOf(Object.values(stages()));
    if (process.env.UPDATE_BASELINE === '1') {
      writeFileSync(BASELINE_FILE, `${JSON.stringify(current, null, 2)}\n`);
    }
    const { replaced, unlisted } = compareWithBaseline(readBaseline(), current);
    expect(
      replaced,
      'these stateful resources would be deleted or replaced on deploy; if that is really intended, regenerate ' +
        'the baseline deliberately (UPDATE_BASELINE=1 or node infra/scripts/update-baseline.js)',
    ).toEqual([]);
    expect(unlisted, 'new stateful resources: add them to the baseline (UPDATE_BASELINE=1)').toEqual([]);
  });

  it('the comparison reports a replaced resource and an unlisted one', () => {
    const baseline = { dev: { s: { Bucket1: 'AWS::S3::Bucket', Db: 'AWS::RDS::DBInstance' } } };
    const current = { dev: { s: { Bucket2: 'AWS::S3::Bucket', Db: 'AWS::RDS::DBInstance' } } };
    expect(compareWithBaseline(baseline, current)).toEqual({
      replaced: ['dev/s/Bucket1 (AWS::S3::Bucket is gone)'],
      unlisted: ['dev/s/Bucket2 (AWS::S3::Bucket)'],
    });
  });
});

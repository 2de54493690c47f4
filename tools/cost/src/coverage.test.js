import { afterAll, describe, expect, it } from 'vitest';
import { coverageProblems } from './estimate.js';
import { cleanup, priceResources } from './fixtures/helpers.js';
import { NO_CHARGE, PRICERS } from './pricers.js';

afterAll(cleanup);

// The strict check the budget test runs on the synthesized templates: a type without a price never costs $0 unseen.
const reportOf = (env) => ({ environments: [env] });

describe('price coverage', () => {
  it('names a resource type that has no pricer and no no-charge reason', () => {
    const env = priceResources({
      Role: { Type: 'AWS::IAM::Role' },
      Odd: { Type: 'AWS::Imaginary::Thing' },
    });
    const problems = coverageProblems(reportOf(env));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/main\/Odd \(AWS::Imaginary::Thing\): the type has no price/);
  });

  it('passes a stack whose every resource is priced or free with a reason', () => {
    const env = priceResources({
      Role: { Type: 'AWS::IAM::Role' },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'lake' } },
      Queue: { Type: 'AWS::SQS::Queue' },
    });
    expect(coverageProblems(reportOf(env))).toEqual([]);
  });

  it('refuses a priced line without a unit price, a $0 line without a reason, and a resource without a line', () => {
    const env = priceResources({ Bucket: { Type: 'AWS::S3::Bucket' } });
    const broken = {
      ...env,
      lines: [
        { ...env.lines[0], unitPrice: undefined, monthly: Number.NaN },
        {
          stack: 'main',
          logicalId: 'X',
          type: 'AWS::Foo::Bar',
          kind: 'no-charge',
          description: 'no charge',
          monthly: 0,
        },
      ],
      resources: [...env.resources, { stack: env.lines[0].stack, logicalId: 'Lost', type: 'AWS::EC2::Instance' }],
    };
    const problems = coverageProblems(reportOf(broken));
    expect(problems.some((p) => /has no unit price/.test(p))).toBe(true);
    expect(problems.some((p) => /a \$0 line without a reason/.test(p))).toBe(true);
    expect(problems.some((p) => /Lost \(AWS::EC2::Instance\): no line in the bill/.test(p))).toBe(true);
  });

  it('gives a reason for every type on the no-charge list, and no type is both priced and free', () => {
    for (const [type, reason] of Object.entries(NO_CHARGE)) {
      expect(reason, type).not.toMatch(/^no charge\.?$/i);
      expect(reason.length, type).toBeGreaterThan(12);
      expect(PRICERS[type], `${type} is priced and on the no-charge list`).toBeUndefined();
    }
  });
});

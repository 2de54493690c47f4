import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { cleanup, template, tmpDir, writeAssembly } from './fixtures/helpers.js';

afterAll(cleanup);

function cli(args) {
  let out = '';
  let err = '';
  const code = run(args, { stdout: { write: (s) => (out += s) }, stderr: { write: (s) => (err += s) } });
  return { code, out, err };
}

const network = template({ Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} } });

describe('npm run cost', () => {
  it('prints the table of each environment and the budget verdict', () => {
    const dir = writeAssembly({ dev: { network }, prod: { network } });
    const { code, out, err } = cli(['--assembly', dir]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('== dev (eu-central-1) ==');
    expect(out).toMatch(/Budget: dev \+ prod: \$\d+\.\d\d a month at list prices, within the \$300\.00 budget/);
    // the verdict and the totals come before the (long) resource tables
    expect(out.indexOf('Budget: ')).toBeLessThan(out.indexOf('== dev (eu-central-1) =='));
    expect(out.indexOf('== total by stack ==')).toBeLessThan(out.indexOf('== dev (eu-central-1) =='));
  });

  it('stops quietly when the reader closes the pipe (npm run cost | head)', () => {
    const many = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`Role${i}`, { Type: 'AWS::IAM::Role' }]).concat([
        ['Nat', { Type: 'AWS::EC2::NatGateway', Properties: {} }],
      ]),
    );
    const dir = writeAssembly({ dev: { network: template(many) }, prod: { network } });
    const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.js');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${cliPath}" --assembly "${dir}" --all | head -n 2`], {
      encoding: 'utf8',
    });
    expect(r.stdout.split('\n')[0]).toMatch(/^genlake monthly cost/);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('exits 2 with "run npm run synth first" when the assembly is missing', () => {
    const { code, out, err } = cli(['--assembly', path.join(tmpDir(), 'cdk.out')]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/run npm run synth first/);
  });

  it('exits 1 naming an instance class the price table does not know', () => {
    const dir = writeAssembly({
      prod: {
        data: template({
          Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.r99.mega', AllocatedStorage: '20' } },
        }),
      },
    });
    const { code, out, err } = cli(['--assembly', dir]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(
      /prod: prod\/data\/Db \(AWS::RDS::DBInstance\): Unknown RDS instance class "db\.r99\.mega" in eu-central-1/,
    );
  });

  it('prices in the region asked for, and only the stages asked for', () => {
    const dir = writeAssembly({ dev: { network }, prod: { network } });
    const json = JSON.parse(
      cli(['--assembly', dir, '--format', 'json', '--region', 'us-east-1', '--stage', 'prod']).out,
    );
    expect(json.environments.map((e) => [e.name, e.regions])).toEqual([['prod', ['us-east-1']]]);
    expect(json.environments[0].subtotal).toBeCloseTo(730 * 0.045 + 30 * 0.045, 2);
  });

  it('refuses a region the price table does not have', () => {
    const dir = writeAssembly({ dev: { network } });
    const { code, err } = cli(['--assembly', dir, '--region', 'mars-north-1']);
    expect(code).toBe(1);
    expect(err).toMatch(/No prices for region mars-north-1.*eu-central-1, us-east-1/);
  });

  it('fails in --strict mode on a type the price table does not know, and exits 3 over budget when asked', () => {
    const dir = writeAssembly({ prod: { x: template({ Odd: { Type: 'AWS::Imaginary::Thing' } }) } });
    expect(cli(['--assembly', dir]).code).toBe(0);
    expect(cli(['--assembly', dir, '--strict']).code).toBe(1);
    const big = writeAssembly({
      prod: {
        mq: template({
          B: {
            Type: 'AWS::AmazonMQ::Broker',
            Properties: { HostInstanceType: 'mq.m5.large', DeploymentMode: 'CLUSTER_MULTI_AZ' },
          },
        }),
      },
    });
    expect(cli(['--assembly', big, '--fail-over-budget']).code).toBe(3);
  });

  it('rejects unknown options and formats', () => {
    expect(cli(['--frobnicate']).code).toBe(1);
    expect(cli(['--format', 'yaml']).err).toMatch(/--format must be table, markdown or json/);
    expect(cli(['--help']).out).toMatch(/^Usage: npm run cost/);
  });

  it('compares the options even without an assembly', () => {
    const { code, out } = cli(['--compare', '--assembly', path.join(tmpDir(), 'none'), '--format', 'markdown']);
    expect(code).toBe(0);
    expect(out).toContain('### Compute: ECS on Fargate vs ECS on EC2 vs EKS');
    expect(out).toContain('(from usage.json');
  });
});

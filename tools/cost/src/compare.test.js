import { afterAll, describe, expect, it } from 'vitest';
import { loadAssembly } from './assembly.js';
import { compare, formatComparison } from './compare.js';
import { loadPrices, loadUsage } from './config.js';
import { cleanup, template, writeAssembly } from './fixtures/helpers.js';

afterAll(cleanup);

const prices = loadPrices();
const usage = loadUsage();
const byId = (result, topic) =>
  Object.fromEntries(result.topics.find((t) => t.id === topic).options.map((o) => [o.id, o]));

describe('compare without an assembly', () => {
  const result = compare({ prices, usage });

  it('prices every option of every topic for dev and prod', () => {
    expect(result.region).toBe('eu-central-1');
    expect(result.topics.map((t) => t.id)).toEqual(['compute', 'nat', 'broker', 'database', 'monitoring']);
    for (const t of result.topics) {
      for (const o of t.options) {
        expect(o.costs.dev).toBeGreaterThan(0);
        expect(o.costs.prod).toBeGreaterThan(0);
        expect(o.total).toBeCloseTo(o.costs.dev + o.costs.prod, 6);
        expect(o.availability.length).toBeGreaterThan(20);
      }
    }
  });

  it('uses the same unit prices as the estimate', () => {
    const nat = byId(result, 'nat');
    expect(nat['nat-gateway-1'].costs.prod).toBeCloseTo(730 * (0.052 + 0.005) + 30 * 0.052, 6);
    expect(nat['nat-instance-1'].costs.prod).toBeCloseTo(730 * (0.0048 + 0.005) + 8 * 0.0952, 6);
    const broker = byId(result, 'broker');
    expect(broker['mq-cluster-mq.m5.large'].costs.prod).toBeCloseTo(3 * (730 * 0.336 + 5 * 0.119), 6);
    const db = byId(result, 'database');
    expect(db['rds-multi-az'].costs.prod).toBeCloseTo(2 * db['rds-single'].costs.prod, 6);
    const compute = byId(result, 'compute');
    expect(compute['eks-t4g'].costs.prod).toBeGreaterThan(73);
  });

  it('ranks the options the way the prices say', () => {
    const compute = byId(result, 'compute');
    expect(compute['fargate-arm64'].total).toBeLessThan(compute['fargate-x86'].total);
    expect(compute['fargate-arm64'].total).toBeLessThan(compute['eks-t4g'].total);
    const nat = byId(result, 'nat');
    expect(nat['nat-instance-1'].total).toBeLessThan(nat['nat-gateway-1'].total);
    const broker = byId(result, 'broker');
    expect(broker['mq-single-mq.t3.micro'].total).toBeLessThan(broker['mq-cluster-mq.m5.large'].total);
  });

  it('marks the defaults of usage.json', () => {
    expect(byId(result, 'nat')['nat-instance-1'].default).toEqual({ dev: true, prod: true });
  });

  it('renders tables in every format', () => {
    expect(formatComparison(result, 'table')).toContain('== Egress: NAT gateway vs NAT instance ==');
    expect(formatComparison(result, 'markdown')).toMatch(
      /\| NAT gateway, one for the VPC \| \$\d+\.\d\d \| \$\d+\.\d\d \| \$\d+\.\d\d \| {2}\|/,
    );
    expect(JSON.parse(formatComparison(result, 'json')).topics).toHaveLength(5);
  });
});

describe('compare with an assembly', () => {
  it('reads the workload and the chosen options from the templates', () => {
    const stack = (multiAz) =>
      template({
        Task: {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: { Cpu: '512', Memory: '1024', RequiresCompatibilities: ['FARGATE'] },
        },
        ApiService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: { Ref: 'Task' }, LaunchType: 'FARGATE', DesiredCount: 3 },
        },
        Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t4g.micro', MultiAZ: multiAz, AllocatedStorage: '20' },
        },
      });
    const dir = writeAssembly({ dev: { main: stack(false) }, prod: { main: stack(true) } });
    const result = compare({ prices, usage, assembly: loadAssembly(dir) });
    expect(result.stages[1]).toMatchObject({
      workloadFrom: 'templates',
      services: [{ name: 'ApiService', vcpu: 0.5, gb: 1, arch: 'x86', base: 3, max: 3 }],
    });
    expect(byId(result, 'compute')['fargate-x86'].costs.prod).toBeCloseTo(3 * 730 * (0.5 * 0.04656 + 0.00511), 6);
    expect(byId(result, 'compute')['fargate-configured']).toMatchObject({ default: { dev: true, prod: true } });
    expect(byId(result, 'compute')['fargate-configured'].costs.prod).toBeCloseTo(
      3 * 730 * (0.5 * 0.04656 + 0.00511),
      6,
    );
    expect(byId(result, 'nat')['nat-gateway-1'].default).toEqual({ dev: true, prod: true });
    expect(byId(result, 'database')['rds-single'].default).toEqual({ dev: true, prod: false });
    expect(byId(result, 'database')['rds-multi-az'].default).toEqual({ dev: false, prod: true });
  });
});

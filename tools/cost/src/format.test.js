import { afterAll, describe, expect, it } from 'vitest';
import { loadAssembly } from './assembly.js';
import { loadPrices, loadUsage } from './config.js';
import { estimate } from './estimate.js';
import { cleanup, template, writeAssembly } from './fixtures/helpers.js';
import { format, mdTable, money, quantity, unitPrice } from './format.js';

afterAll(cleanup);

const small = template({
  Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
  Role: { Type: 'AWS::IAM::Role' },
  Role2: { Type: 'AWS::IAM::Role' },
  Queue: { Type: 'AWS::SQS::Queue' },
  GatewayLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
});
const bigBroker = template({
  Broker: {
    Type: 'AWS::AmazonMQ::Broker',
    Properties: { EngineType: 'RABBITMQ', HostInstanceType: 'mq.m5.large', DeploymentMode: 'CLUSTER_MULTI_AZ' },
  },
});

function report(stages) {
  const dir = writeAssembly(stages);
  return estimate({
    assembly: loadAssembly(dir, { stageOrder: ['dev', 'prod'] }),
    prices: loadPrices(),
    usage: loadUsage(),
  });
}

describe('markdown', () => {
  const md = format(report({ dev: { network: small }, prod: { network: small } }), 'markdown');

  it('has a table per environment with its subtotal, then the total and the budget line', () => {
    expect(md).toMatch(/^### dev \(eu-central-1\): \$\d+\.\d\d a month$/m);
    expect(md).toMatch(/^### prod \(eu-central-1\): /m);
    expect(md).toContain('| Resource | Type | What | Quantity × unit price | Monthly |');
    expect(md).toContain('| `dev/network/Nat` | EC2::NatGateway | NAT gateway | 730 h × $0.052 | $37.96 |');
    expect(md).toMatch(/\| \*\*subtotal\*\* \| {2}\| {2}\| {2}\| \*\*\$\d+\.\d\d\*\* \|/);
    expect(md).toContain('| Stack | dev | prod | dev + prod |');
    expect(md).toMatch(/\| network \| \$\d+\.\d\d \| \$\d+\.\d\d \| \$\d+\.\d\d \|/);
    expect(md).toMatch(/\| \*\*total\*\* \| \*\*\$\d+\.\d\d\*\* \| \*\*\$\d+\.\d\d\*\* \| \*\*\$\d+\.\d\d\*\* \|/);
    expect(md).toMatch(/\*\*Budget:\*\* dev \+ prod: \$\d+\.\d\d a month at list prices, within the \$300\.00 budget/);
  });

  it('folds resources without a charge into one row per type, and names usage-based ones', () => {
    expect(md).toContain('| `2 resources` | IAM::Role | no charge: IAM is free | no charge | $0.00 |');
    expect(md).toMatch(/\| `prod\/network\/Queue` \| SQS::Queue \| usage-based: .* \| usage-based \| \$0\.00 \|/);
  });

  it('lists the assumptions the figures rest on, per environment', () => {
    expect(md).toMatch(/^- \*\*nat\*\* \(prod\): 30 GB a month through NAT/m);
    expect(md).toMatch(/^- \*\*logs\*\* \(dev\): CloudWatch Logs ingestion/m);
  });

  it('escapes pipes in cells', () => {
    expect(mdTable(['a'], [['x|y']])).toBe('| a |\n| --- |\n| x\\|y |');
  });
});

describe('json', () => {
  it('has every line, the subtotals, the total and the budget verdict', () => {
    const r = report({ dev: { network: small }, prod: { messaging: bigBroker } });
    const json = JSON.parse(format(r, 'json'));
    expect(json.prices.asOf).toBe(loadPrices().asOf);
    expect(json.environments.map((e) => e.name)).toEqual(['dev', 'prod']);
    const nat = json.environments[0].lines.find((l) => l.logicalId === 'Nat');
    expect(nat).toMatchObject({
      type: 'AWS::EC2::NatGateway',
      unit: 'h',
      quantity: 730,
      unitPrice: 0.052,
      kind: 'priced',
    });
    expect(json.environments[0].lines.filter((l) => l.type === 'AWS::IAM::Role')).toHaveLength(2);
    expect(json.budget).toMatchObject({ limit: 300, stages: ['dev', 'prod'], within: false, missing: [] });
    expect(json.budget.total).toBeCloseTo(json.environments[0].subtotal + json.environments[1].subtotal, 1);
  });
});

describe('table', () => {
  it('prints aligned columns, subtotals and an over-budget verdict', () => {
    const text = format(report({ dev: { network: small }, prod: { messaging: bigBroker } }), 'table');
    expect(text).toContain('== dev (eu-central-1) ==');
    expect(text).toMatch(/subtotal prod +\$\d{3}\.\d\d/);
    expect(text).toMatch(
      /Budget: dev \+ prod: \$[\d,]+\.\d\d a month at list prices, OVER the \$300\.00 budget by \$[\d,]+\.\d\d/,
    );
  });

  it('names the budgeted stages that are missing from the assembly', () => {
    const text = format(report({ prod: { network: small } }), 'table');
    expect(text).toContain('(not in the assembly: dev)');
  });
});

describe('numbers', () => {
  it('formats money, unit prices and quantities', () => {
    expect(money(1234.567)).toBe('$1,234.57');
    expect(unitPrice(0.000122)).toBe('$0.000122');
    expect(unitPrice(0.0348)).toBe('$0.0348');
    expect(unitPrice(0.4)).toBe('$0.40');
    expect(unitPrice(5)).toBe('$5.00');
    expect(quantity(1460)).toBe('1,460');
    expect(quantity(766.4)).toBe('766');
    expect(quantity(2.345)).toBe('2.35');
    expect(quantity(0.004567)).toBe('0.00457');
  });
});

describe('free tier', () => {
  it('subtracts the always-free allowances of each account when asked', () => {
    const stack = template({
      Cdn: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'm', Namespace: 'n', Period: 60 } },
      GatewayLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
    });
    const dir = writeAssembly({ prod: { edge: stack } });
    const args = { assembly: loadAssembly(dir), prices: loadPrices(), usage: loadUsage() };
    const list = estimate(args).environments[0];
    const free = estimate({ ...args, freeTier: true }).environments[0];
    const credits = free.lines.filter((l) => l.type === 'AWS free tier');
    // 5.31M requests and 101 GB are inside 10M and 1 TB: CloudFront costs nothing; 1 alarm; 4 of 5 GB of logs
    expect(credits.map((c) => c.description.split(':')[0])).toEqual([
      'CloudFront requests',
      'CloudFront data transfer out',
      'CloudWatch alarm metrics',
      'CloudWatch Logs ingestion',
    ]);
    const cdn = list.lines.filter((l) => l.logicalId === 'Cdn' && l.unit !== 'GB').reduce((a, l) => a + l.monthly, 0);
    const out = list.lines.find((l) => l.logicalId === 'Cdn' && l.description.startsWith('data transfer out')).monthly;
    expect(free.subtotal).toBeCloseTo(list.subtotal - cdn - out - 0.1 - 4 * 0.63, 6);
    expect(format({ ...estimate({ ...args, freeTier: true }) }, 'markdown')).toContain(
      'always-free tier of each account subtracted',
    );
  });
});

describe('free tier by account', () => {
  const stack = template({
    Cdn: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
    GatewayLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
  });
  const run = (accounts, freeTier) =>
    estimate({
      assembly: loadAssembly(writeAssembly({ dev: { edge: stack }, prod: { edge: stack } }, { accounts }), {
        stageOrder: ['dev', 'prod'],
      }),
      prices: loadPrices(),
      usage: loadUsage(),
      freeTier,
    });

  it('applies it by default to environments in named accounts, once per account', () => {
    const separate = run({ dev: '111111111111', prod: '222222222222' });
    expect(separate.environments.map((e) => e.freeTierApplied)).toEqual([true, true]);
    expect(separate.budget.total).toBeCloseTo(separate.budget.freeTierTotal, 6);
    expect(separate.budget.total).toBeLessThan(separate.budget.listTotal);
    expect(format(separate, 'table')).toMatch(
      /a month at list prices, within .*; \$[\d.]+ with the always-free tier of each account/,
    );

    const shared = run({ dev: '111111111111', prod: '111111111111' });
    expect(shared.environments.map((e) => e.freeTierApplied)).toEqual([true, false]);
    expect(shared.budget.total).toBeGreaterThan(separate.budget.total);
  });

  it('leaves environment-agnostic stacks at list prices unless forced, and never applies it when told not to', () => {
    expect(run({}).environments.map((e) => e.freeTierApplied)).toEqual([false, false]);
    expect(run({}, true).environments.map((e) => e.freeTierApplied)).toEqual([true, true]);
    const none = run({ dev: '111111111111', prod: '222222222222' }, false);
    expect(none.budget.total).toBeCloseTo(none.budget.listTotal, 6);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, linesOf, priceResources } from './fixtures/helpers.js';
import { firingMinutes, ScheduleError, weeklyCapacity } from './schedule.js';

afterAll(cleanup);

// eu-central-1 Fargate ARM64: $0.03725 per vCPU-h, $0.00409 per GB-h; Spot at 0.3 of it. prod: 730 h, 12 spike h.
const ARM_TASK = 0.25 * 0.03725 + 1 * 0.00409; // 0.25 vCPU / 1 GB

describe('cron schedules', () => {
  it('finds the minutes of the week a weekly cron fires (Sunday 00:00 = 0)', () => {
    expect(firingMinutes('cron(0 8 ? * MON-FRI *)')).toEqual([1, 2, 3, 4, 5].map((d) => d * 1440 + 480));
    expect(firingMinutes('cron(30 7,19 ? * SAT *)')).toEqual([6 * 1440 + 450, 6 * 1440 + 1170]);
    expect(firingMinutes('cron(0 0/12 ? * 1 *)')).toEqual([0, 720]);
  });

  it('refuses what it cannot read as a weekly pattern', () => {
    expect(() => firingMinutes('rate(1 hour)')).toThrow(ScheduleError);
    expect(() => firingMinutes('cron(0 8 1 * ? *)')).toThrow(/only weekly schedules/);
    expect(() => firingMinutes('cron(0 25 ? * MON *)')).toThrow(/"25" is not in 0–23/);
  });

  it('gives the share of the week at each capacity: 08:00–20:00 on weekdays is 60 of 168 hours', () => {
    const week = weeklyCapacity([
      { schedule: 'cron(0 8 ? * MON-FRI *)', min: 1, max: 2 },
      { schedule: 'cron(0 20 ? * MON-FRI *)', min: 0, max: 0 },
    ]);
    expect(week.find((s) => s.max === 2).share).toBeCloseTo(60 / 168, 10);
    expect(week.find((s) => s.max === 0).share).toBeCloseTo(108 / 168, 10);
  });
});

const td = {
  Type: 'AWS::ECS::TaskDefinition',
  Properties: {
    Cpu: '256',
    Memory: '1024',
    RequiresCompatibilities: ['FARGATE'],
    RuntimePlatform: { CpuArchitecture: 'ARM64' },
  },
};
const svc = (strategy) => ({
  Type: 'AWS::ECS::Service',
  Properties: { Cluster: { Ref: 'Cluster' }, TaskDefinition: { Ref: 'Task' }, CapacityProviderStrategy: strategy },
});
const target = (min, max, extra = {}) => ({
  Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
  Properties: {
    ServiceNamespace: 'ecs',
    ResourceId: { 'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Svc', 'Name'] }]] },
    MinCapacity: min,
    MaxCapacity: max,
    ...extra,
  },
});

describe('ECS services on Fargate Spot and on a schedule', () => {
  it('keeps a FARGATE base on demand and prices the tasks above it at the Spot rate', () => {
    const env = priceResources({
      Cluster: { Type: 'AWS::ECS::Cluster' },
      Task: td,
      Svc: svc([
        { CapacityProvider: 'FARGATE', Base: 2, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ]),
      Target: target(2, 6),
    });
    const line = linesOf(env, 'Svc').lines[0];
    // 2 tasks on demand all month; during the 12 spike hours 4 more on Spot
    expect(line.quantity).toBeCloseTo(2 * 718 + 6 * 12, 6);
    expect(line.monthly).toBeCloseTo((2 * 730 + 4 * 12 * 0.3) * ARM_TASK, 6);
    expect(line.description).toMatch(/; 3% on Fargate Spot/); // 48 of 1,508 task-hours
  });

  it('prices the spike tasks of a service that rests at 0 on Spot when its strategy says so', () => {
    const env = priceResources({
      Cluster: { Type: 'AWS::ECS::Cluster' },
      Task: td,
      Svc: svc([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]),
      Target: target(0, 3),
    });
    expect(linesOf(env, 'Svc').lines[0].monthly).toBeCloseTo(3 * 12 * ARM_TASK * 0.3, 6);
  });

  it('runs a scheduled service only in its working hours, with the spikes inside them', () => {
    const env = priceResources({
      Cluster: { Type: 'AWS::ECS::Cluster' },
      Task: td,
      Svc: svc([{ CapacityProvider: 'FARGATE', Weight: 1 }]),
      Target: target(1, 2, {
        ScheduledActions: [
          {
            ScheduledActionName: 'up',
            Schedule: 'cron(0 8 ? * MON-FRI *)',
            ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 },
            Timezone: 'Europe/Berlin',
          },
          {
            ScheduledActionName: 'down',
            Schedule: 'cron(0 20 ? * MON-FRI *)',
            ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
          },
        ],
      }),
    });
    const line = linesOf(env, 'Svc').lines[0];
    const up = (730 * 60) / 168;
    expect(line.quantity).toBeCloseTo(1 * (up - 12) + 2 * 12, 6);
    expect(line.monthly).toBeCloseTo((up + 12) * ARM_TASK, 6);
    expect(line.description).toMatch(/scheduled: up 36% of the week, 0 tasks the rest/);
    expect(env.warnings).toEqual([]);
  });

  it('warns and prices the full range when a schedule is not a weekly cron', () => {
    const env = priceResources({
      Cluster: { Type: 'AWS::ECS::Cluster' },
      Task: td,
      Svc: svc([{ CapacityProvider: 'FARGATE', Weight: 1 }]),
      Target: target(1, 1, {
        ScheduledActions: [{ Schedule: 'rate(12 hours)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } }],
      }),
    });
    expect(linesOf(env, 'Svc').lines[0].monthly).toBeCloseTo(730 * ARM_TASK, 6);
    expect(env.warnings[0]).toMatch(/scheduled scaling not understood/);
  });
});

describe('instances stopped outside working hours by EventBridge Scheduler', () => {
  const sdk = (action, expression, input) => ({
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:scheduler:::aws-sdk:${action}`]] },
        RoleArn: 'arn:aws:iam::111111111111:role/x',
        Input: input,
      },
    },
  });

  it('bills the DB instance hours it runs (storage all month) and the NAT instance and its address likewise', () => {
    const up = 60 / 168;
    const env = priceResources(
      {
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: {
            DBInstanceClass: 'db.t4g.micro',
            Engine: 'postgres',
            DBInstanceIdentifier: 'genlake-dev-postgres',
          },
        },
        DbStart: sdk(
          'rds:startDBInstance',
          'cron(0 7 ? * MON-FRI *)',
          '{"DbInstanceIdentifier":"genlake-dev-postgres"}',
        ),
        DbStop: sdk(
          'rds:stopDBInstance',
          'cron(0 19 ? * MON-FRI *)',
          '{"DbInstanceIdentifier":"genlake-dev-postgres"}',
        ),
        Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
        Public: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, MapPublicIpOnLaunch: true } },
        Nat: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.nano', SubnetId: { Ref: 'Public' } } },
        NatStop: sdk('ec2:stopInstances', 'cron(0 19 ? * MON-FRI *)', {
          'Fn::Join': ['', ['{"InstanceIds":["', { Ref: 'Nat' }, '"]}']],
        }),
        NatStart: sdk('ec2:startInstances', 'cron(0 7 ? * MON-FRI *)', {
          'Fn::Join': ['', ['{"InstanceIds":["', { Ref: 'Nat' }, '"]}']],
        }),
      },
      { stage: 'dev' },
    );
    const db = linesOf(env, 'Db').lines;
    expect(db[0].quantity).toBeCloseTo(730 * up, 6);
    expect(db[0].description).toMatch(/scheduled: running 36% of the week/);
    expect(db[1].quantity).toBe(20); // 20 GB of storage, billed stopped or not
    const nat = linesOf(env, 'Nat').lines;
    expect(nat[0].quantity).toBeCloseTo(730 * up, 6);
    expect(nat.find((l) => l.unit === 'IPv4-h').quantity).toBeCloseTo(730 * up, 6);
    expect(env.warnings).toEqual([]);
  });

  it('keeps an instance always on when only a start is scheduled', () => {
    const env = priceResources({
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.t4g.micro', Engine: 'postgres' } },
      DbStart: sdk('rds:startDBInstance', 'cron(0 7 ? * MON-FRI *)', { Ref: 'Db' }),
    });
    expect(linesOf(env, 'Db').lines[0].quantity).toBe(730);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, linesOf, priceResources } from './fixtures/helpers.js';

afterAll(cleanup);

// Expected figures are worked out by hand from prices.json (eu-central-1) and usage.json (prod defaults):
// 730 h a month, 12 spike hours in prod (4 spikes × (2 h + 1 h to scale in)).

const vpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };
const publicSubnet = { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, MapPublicIpOnLaunch: true } };

const taskDef = (cpu, memory, extra = {}) => ({
  Type: 'AWS::ECS::TaskDefinition',
  Properties: {
    Cpu: String(cpu),
    Memory: String(memory),
    RequiresCompatibilities: ['FARGATE'],
    NetworkMode: 'awsvpc',
    ...extra,
  },
});
const service = (props = {}) => ({
  Type: 'AWS::ECS::Service',
  Properties: {
    Cluster: { Ref: 'Cluster' },
    TaskDefinition: { Ref: 'Task' },
    LaunchType: 'FARGATE',
    DesiredCount: 2,
    ...props,
  },
});
const cluster = (settings) => ({
  Type: 'AWS::ECS::Cluster',
  Properties: settings ? { ClusterSettings: settings } : {},
});

describe('RDS', () => {
  const db = (props) => ({
    Db: {
      Type: 'AWS::RDS::DBInstance',
      Properties: {
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: '20',
        StorageType: 'gp3',
        BackupRetentionPeriod: 7,
        ...props,
      },
    },
  });

  it('prices a single-AZ instance: instance hours and storage, backups inside the free allowance', () => {
    const { lines, monthly } = linesOf(priceResources(db({ MultiAZ: false })), 'Db');
    expect(lines.map((l) => l.unit)).toEqual(['instance-h', 'GB-month', 'GB-month']);
    expect(lines[0].quantity).toBe(730);
    expect(lines[0].unitPrice).toBe(0.019);
    expect(lines[2].monthly).toBe(0);
    expect(monthly).toBeCloseTo(730 * 0.019 + 20 * 0.137, 6);
  });

  it('doubles instance and storage for multi-AZ', () => {
    const { monthly } = linesOf(priceResources(db({ MultiAZ: true })), 'Db');
    expect(monthly).toBeCloseTo(2 * (730 * 0.019 + 20 * 0.137), 6);
  });

  it('charges backup storage beyond the provisioned size for a long retention', () => {
    // 10 GB used, 5 % change a day, 35 days: 10 × (1 + 0.05 × 34) = 27 GB, 7 GB above the 20 GB provisioned
    const { lines } = linesOf(priceResources(db({ BackupRetentionPeriod: 35 })), 'Db');
    expect(lines[2].quantity).toBeCloseTo(7, 6);
    expect(lines[2].monthly).toBeCloseTo(7 * 0.095, 6);
  });

  it('adds the secret RDS manages for the master password', () => {
    const { lines } = linesOf(priceResources(db({ ManageMasterUserPassword: true })), 'Db');
    expect(lines.at(-1)).toMatchObject({ unit: 'secret-month', monthly: 0.4 });
  });

  it('fails on an instance class the price table does not know, naming it', () => {
    expect(() => priceResources(db({ DBInstanceClass: 'db.x9.huge' }))).toThrow(
      expect.objectContaining({ name: 'PriceError' }),
    );
    expect(() => priceResources(db({ DBInstanceClass: 'db.x9.huge' }))).toThrow(/db\.x9\.huge.*prices\.json/);
  });

  it('prices Aurora Serverless v2 in ACU-hours at the minimum, more during spikes, plus storage and I/O', () => {
    const env = priceResources({
      Cluster: {
        Type: 'AWS::RDS::DBCluster',
        Properties: {
          Engine: 'aurora-postgresql',
          ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
        },
      },
      Writer: {
        Type: 'AWS::RDS::DBInstance',
        Properties: {
          Engine: 'aurora-postgresql',
          DBInstanceClass: 'db.serverless',
          DBClusterIdentifier: { Ref: 'Cluster' },
        },
      },
    });
    // 0.5 ACU × 718 h + 4 ACU × 12 spike h = 407 ACU-h
    expect(linesOf(env, 'Writer').lines[0].quantity).toBeCloseTo(407, 6);
    expect(linesOf(env, 'Writer').monthly).toBeCloseTo(407 * 0.14, 6);
    expect(linesOf(env, 'Cluster').monthly).toBeCloseTo(10 * 0.11 + 20 * 0.22, 6);
  });
});

describe('network', () => {
  it('prices a NAT gateway (hours + data) and its Elastic IP', () => {
    const env = priceResources({
      Eip: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
      Nat: {
        Type: 'AWS::EC2::NatGateway',
        Properties: { AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] }, SubnetId: 'subnet-1' },
      },
    });
    expect(linesOf(env, 'Nat').monthly).toBeCloseTo(730 * 0.052 + 30 * 0.052, 6);
    expect(linesOf(env, 'Eip').monthly).toBeCloseTo(730 * 0.005, 6);
  });

  it('prices a NAT instance: instance, root volume and the public IPv4 of its public subnet', () => {
    const env = priceResources({
      Vpc: vpc,
      PublicSubnet1: publicSubnet,
      NatInstance: {
        Type: 'AWS::EC2::Instance',
        Properties: { InstanceType: 't4g.nano', SubnetId: { Ref: 'PublicSubnet1' }, SourceDestCheck: false },
      },
    });
    const { lines, monthly } = linesOf(env, 'NatInstance');
    expect(lines.map((l) => l.unit)).toEqual(['instance-h', 'GB-month', 'IPv4-h']);
    expect(monthly).toBeCloseTo(730 * 0.0048 + 8 * 0.0952 + 730 * 0.005, 6);
  });

  it('reads the instance type from the launch template', () => {
    const env = priceResources({
      Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { InstanceType: 't4g.micro' } } },
      Nat: {
        Type: 'AWS::EC2::Instance',
        Properties: { LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: '1' } },
      },
    });
    expect(linesOf(env, 'Nat').lines[0].unitPrice).toBe(0.0096);
  });

  it('fails on an unknown EC2 instance type, naming it', () => {
    expect(() =>
      priceResources({ Nat: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 'q9.mega' } } }),
    ).toThrow(/Unknown EC2 instance type "q9\.mega" in eu-central-1/);
  });

  it('prices interface endpoints per AZ and gateway endpoints at $0', () => {
    const env = priceResources({
      Ecr: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.eu-central-1.ecr.dkr',
          SubnetIds: ['a', 'b'],
          VpcId: 'v',
        },
      },
      S3: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
          VpcId: 'v',
        },
      },
    });
    expect(linesOf(env, 'Ecr').monthly).toBeCloseTo(2 * 730 * 0.012 + 2 * 0.01, 6);
    expect(linesOf(env, 'Ecr').lines[0].description).toContain('ecr.dkr');
    expect(linesOf(env, 'S3')).toMatchObject({ monthly: 0, lines: [{ kind: 'no-charge' }] });
  });

  it('prices an internet-facing ALB: hours, LCUs from the traffic, a public IPv4 per AZ', () => {
    const env = priceResources({
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'application', Scheme: 'internet-facing', Subnets: ['a', 'b'] },
      },
    });
    const { lines } = linesOf(env, 'Alb');
    expect(lines[0].monthly).toBeCloseTo(730 * 0.027, 6);
    expect(lines[1].unit).toBe('LCU-h');
    expect(lines[1].monthly).toBeGreaterThan(0);
    expect(lines[1].monthly).toBeLessThan(5);
    expect(lines[2].monthly).toBeCloseTo(2 * 730 * 0.005, 6);
  });

  it('prices VPC flow logs by destination and does not charge their log group for ingestion twice', () => {
    const env = priceResources({
      Group: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      ToLogs: {
        Type: 'AWS::EC2::FlowLog',
        Properties: { LogGroupName: { Ref: 'Group' }, ResourceType: 'VPC', TrafficType: 'ALL' },
      },
      ToS3: {
        Type: 'AWS::EC2::FlowLog',
        Properties: { LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::b', ResourceType: 'VPC' },
      },
    });
    // 3 GB a month shared by the two flow logs
    expect(linesOf(env, 'ToLogs').monthly).toBeCloseTo(1.5 * 0.63, 6);
    expect(linesOf(env, 'ToS3').monthly).toBeCloseTo(1.5 * 0.25, 6);
    const group = linesOf(env, 'Group').lines;
    expect(group[0].kind).toBe('no-charge');
    expect(group[1].unit).toBe('GB-month');
  });

  it('prices with another region when asked', () => {
    const env = priceResources({ Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} } }, { region: 'us-east-1' });
    expect(linesOf(env, 'Nat').lines[0].monthly).toBeCloseTo(730 * 0.045, 6);
    expect(env.regions).toEqual(['us-east-1']);
  });
});

describe('ECS', () => {
  it('prices Fargate tasks by vCPU and GB for DesiredCount, all month', () => {
    const env = priceResources({ Cluster: cluster(), Task: taskDef(256, 1024), Svc: service() });
    const { lines, monthly } = linesOf(env, 'Svc');
    expect(lines[0]).toMatchObject({ unit: 'task-h', quantity: 1460 });
    expect(monthly).toBeCloseTo(1460 * (0.25 * 0.04656 + 1 * 0.00511), 6);
    expect(linesOf(env, 'Task').lines[0].kind).toBe('no-charge');
  });

  it('uses the autoscaling minimum, and the maximum during the spike hours', () => {
    const env = priceResources({
      Cluster: cluster(),
      Task: taskDef(512, 1024, { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } }),
      Svc: service(),
      Target: {
        Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
        Properties: {
          MinCapacity: 1,
          MaxCapacity: 4,
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: { 'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Svc', 'Name'] }]] },
        },
      },
      Policy: {
        Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
        Properties: {
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 60 },
        },
      },
    });
    const { lines, monthly } = linesOf(env, 'Svc');
    // 1 task × 718 h + 4 tasks × 12 h
    expect(lines[0].quantity).toBe(766);
    expect(lines[0].assumptions).toContain('spikes');
    expect(monthly).toBeCloseTo(766 * (0.5 * 0.03725 + 1 * 0.00409), 6);
    expect(linesOf(env, 'Policy').monthly).toBeCloseTo(0.2, 6);
  });

  it('prices the Fargate Spot share of a capacity provider strategy and public IPs per task', () => {
    const env = priceResources({
      Cluster: cluster(),
      Task: taskDef(256, 512),
      Svc: service({
        LaunchType: undefined,
        CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED', Subnets: ['a'] } },
      }),
    });
    const { lines } = linesOf(env, 'Svc');
    expect(lines[0].unitPrice).toBeCloseTo((0.25 * 0.04656 + 0.5 * 0.00511) * 0.3, 8);
    expect(lines[1]).toMatchObject({ unit: 'IPv4-h', quantity: 1460 });
  });

  it('prices services on EC2 through their Auto Scaling group', () => {
    const env = priceResources({
      Cluster: cluster(),
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: { RequiresCompatibilities: ['EC2'], NetworkMode: 'awsvpc' },
      },
      Svc: service({ LaunchType: 'EC2' }),
      Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { InstanceType: 't4g.small' } } },
      Asg: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        Properties: { MinSize: '1', MaxSize: '3', LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: '1' } },
      },
      Provider: {
        Type: 'AWS::ECS::CapacityProvider',
        Properties: { AutoScalingGroupProvider: { AutoScalingGroupArn: { Ref: 'Asg' } } },
      },
    });
    expect(linesOf(env, 'Svc')).toMatchObject({ monthly: 0, lines: [{ kind: 'no-charge' }] });
    const asg = linesOf(env, 'Asg').lines;
    // 1 instance × 718 h + 3 × 12 spike h (managed scaling follows the tasks), 30 GB gp3 each
    expect(asg[0].quantity).toBe(754);
    expect(asg[0].monthly).toBeCloseTo(754 * 0.0192, 6);
    expect(asg[1].quantity).toBeCloseTo((754 / 730) * 30, 6);
  });

  it('prices Container Insights as custom metrics per cluster and service', () => {
    const env = priceResources({
      Cluster: cluster([{ Name: 'containerInsights', Value: 'enabled' }]),
      Task: taskDef(256, 512),
      A: service(),
      B: service(),
    });
    expect(linesOf(env, 'Cluster').monthly).toBeCloseTo((8 + 2 * 12) * 0.3 + 0.5 * 0.63, 6);
    expect(linesOf(priceResources({ Cluster: cluster() }), 'Cluster').monthly).toBe(0);
  });
});

describe('messaging and storage', () => {
  const broker = (props) => ({
    Broker: {
      Type: 'AWS::AmazonMQ::Broker',
      Properties: {
        EngineType: 'RABBITMQ',
        HostInstanceType: 'mq.t3.micro',
        DeploymentMode: 'SINGLE_INSTANCE',
        ...props,
      },
    },
  });

  it('prices a single-instance Amazon MQ broker and its storage', () => {
    expect(linesOf(priceResources(broker()), 'Broker').monthly).toBeCloseTo(730 * 0.0348 + 5 * 0.119, 6);
  });

  it('prices a three-node cluster three times', () => {
    const env = priceResources(broker({ HostInstanceType: 'mq.m5.large', DeploymentMode: 'CLUSTER_MULTI_AZ' }));
    expect(linesOf(env, 'Broker').lines[0].quantity).toBe(3 * 730);
    expect(linesOf(env, 'Broker').monthly).toBeCloseTo(3 * 730 * 0.336 + 15 * 0.119, 6);
  });

  it('warns about a t3.micro cluster and fails on an unknown broker type', () => {
    expect(priceResources(broker({ DeploymentMode: 'CLUSTER_MULTI_AZ' })).warnings.join()).toMatch(
      /mq\.t3\.micro cannot/,
    );
    expect(() => priceResources(broker({ HostInstanceType: 'mq.z9.huge' }))).toThrow(/mq\.z9\.huge/);
  });

  it('prices EFS storage and Elastic throughput', () => {
    const env = priceResources({ Fs: { Type: 'AWS::EFS::FileSystem', Properties: { ThroughputMode: 'elastic' } } });
    expect(linesOf(env, 'Fs').monthly).toBeCloseTo(2 * 0.36 + 5 * 0.03 + 5 * 0.07, 6);
  });

  it('prices S3 buckets by the storage and requests their name suggests', () => {
    const env = priceResources({ LakeBucket: { Type: 'AWS::S3::Bucket' }, OtherThing: { Type: 'AWS::S3::Bucket' } });
    expect(linesOf(env, 'LakeBucket').monthly).toBeCloseTo(100 * 0.0245 + 300 * 0.0054 + 2000 * 0.00043, 6);
    expect(linesOf(env, 'OtherThing').lines[0].quantity).toBe(1);
  });

  it('prices ElastiCache nodes and fails on an unknown node type', () => {
    const cache = (type) => ({
      Cache: {
        Type: 'AWS::ElastiCache::CacheCluster',
        Properties: { CacheNodeType: type, NumCacheNodes: 1, Engine: 'valkey' },
      },
    });
    expect(linesOf(priceResources(cache('cache.t4g.micro')), 'Cache').monthly).toBeCloseTo(730 * 0.018, 6);
    expect(() => priceResources(cache('cache.q1.huge'))).toThrow(/cache\.q1\.huge/);
  });
});

describe('edge, security and observability', () => {
  it('prices CloudFront requests and data transfer from the traffic assumption', () => {
    const env = priceResources({
      Cdn: { Type: 'AWS::CloudFront::Distribution', Properties: { DistributionConfig: {} } },
    });
    const { lines } = linesOf(env, 'Cdn');
    // 60,840 visits × 25 static + (60,840 × 15 + 2.88M spike) API requests
    const requests = 60840 * 25 + 60840 * 15 + 2_880_000;
    expect(lines[0].quantity).toBeCloseTo(requests / 10_000, 6);
    expect(lines[0].assumptions).toEqual(['traffic', 'spikes']);
    expect(lines[1].unit).toBe('GB');
  });

  it('prices a web ACL, its rules, requests and the Bot Control subscription', () => {
    const env = priceResources({
      Acl: {
        Type: 'AWS::WAFv2::WebACL',
        Properties: {
          Scope: 'CLOUDFRONT',
          DefaultAction: { Allow: {} },
          Rules: [
            {
              Name: 'common',
              Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
            },
            { Name: 'rate', Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } } },
            {
              Name: 'bots',
              Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesBotControlRuleSet' } },
            },
          ],
        },
      },
    });
    const requestsM = (60840 * 25 + 60840 * 15 + 2_880_000) / 1e6;
    expect(linesOf(env, 'Acl').monthly).toBeCloseTo(5 + 3 + requestsM * 0.6 + 10 + requestsM * 1, 6);
  });

  it('prices hosted zones, secrets and keys with their requests', () => {
    const env = priceResources({
      Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'genlake.example.com' } },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
      Alias: { Type: 'AWS::KMS::Alias' },
      Record: { Type: 'AWS::Route53::RecordSet' },
    });
    expect(linesOf(env, 'Zone').monthly).toBeCloseTo(0.5 + 0.1 * 0.4, 6);
    expect(linesOf(env, 'Secret').monthly).toBeCloseTo(0.4 + 0.3 * 0.05, 6);
    expect(linesOf(env, 'Key').monthly).toBeCloseTo(1 + 5 * 0.03, 6);
    expect(linesOf(env, 'Alias').monthly).toBe(0);
    expect(linesOf(env, 'Record').lines[0].kind).toBe('no-charge');
  });

  it('prices log groups: ingestion by name, storage by retention', () => {
    const env = priceResources({
      GatewayLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      Forever: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    });
    const gw = linesOf(env, 'GatewayLogs').lines;
    expect(gw[0].monthly).toBeCloseTo(4 * 0.63, 6);
    expect(gw[1].quantity).toBeCloseTo(4 * 0.15 * (30 / (730 / 24)), 6);
    // never expires: 12 months accumulated
    expect(linesOf(env, 'Forever').lines[1].quantity).toBeCloseTo(0.5 * 0.15 * 12, 6);
  });

  it('prices alarms per metric, high resolution and anomaly detection', () => {
    const env = priceResources({
      Simple: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Period: 300 },
      },
      Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'X', Namespace: 'Y', Period: 10 } },
      Math: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Metrics: [
            {
              Id: 'a',
              MetricStat: { Metric: { MetricName: 'A', Namespace: 'N' }, Period: 60, Stat: 'Sum' },
              ReturnData: false,
            },
            {
              Id: 'b',
              MetricStat: { Metric: { MetricName: 'B', Namespace: 'N' }, Period: 60, Stat: 'Sum' },
              ReturnData: false,
            },
            { Id: 'e', Expression: 'a + b' },
          ],
        },
      },
      Anomaly: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Metrics: [
            { Id: 'm', MetricStat: { Metric: { MetricName: 'A', Namespace: 'N' }, Period: 300, Stat: 'Sum' } },
            { Id: 'ad', Expression: 'ANOMALY_DETECTION_BAND(m, 2)' },
          ],
          ThresholdMetricId: 'ad',
        },
      },
      Dash: { Type: 'AWS::CloudWatch::Dashboard' },
    });
    expect(linesOf(env, 'Simple').monthly).toBeCloseTo(0.1, 6);
    expect(linesOf(env, 'Fast').monthly).toBeCloseTo(0.3, 6);
    expect(linesOf(env, 'Math').monthly).toBeCloseTo(0.2, 6);
    expect(linesOf(env, 'Anomaly').monthly).toBeCloseTo(0.3, 6);
    expect(linesOf(env, 'Dash').monthly).toBe(3);
  });

  it('prices Amazon Managed Prometheus samples and Managed Grafana users', () => {
    const env = priceResources({ Amp: { Type: 'AWS::APS::Workspace' }, Amg: { Type: 'AWS::Grafana::Workspace' } });
    const samples = 3000 * ((730 * 3600) / 30);
    expect(linesOf(env, 'Amp').monthly).toBeCloseTo((samples / 1e7) * 0.9 + 3 * 0.03 + 2 * 0.1, 6);
    expect(linesOf(env, 'Amg').monthly).toBeCloseTo(1 * 9 + 3 * 5, 6);
  });

  it('prices Athena queries once, on the workgroup or else on the first Glue database', () => {
    const withWg = priceResources({
      Wg: { Type: 'AWS::Athena::WorkGroup' },
      Db: { Type: 'AWS::Glue::Database' },
      T: { Type: 'AWS::Glue::Table' },
    });
    expect(linesOf(withWg, 'Wg').monthly).toBeCloseTo(0.05 * 5, 6);
    expect(linesOf(withWg, 'Db').monthly).toBe(0);
    const noWg = priceResources({ Db: { Type: 'AWS::Glue::Database' }, Db2: { Type: 'AWS::Glue::Database' } });
    expect(linesOf(noWg, 'Db').monthly).toBeCloseTo(0.25, 6);
    expect(linesOf(noWg, 'Db2').monthly).toBe(0);
  });

  it('prices ECR storage', () => {
    expect(linesOf(priceResources({ Repo: { Type: 'AWS::ECR::Repository' } }), 'Repo').monthly).toBeCloseTo(0.1, 6);
  });

  it('prices the e-mails SES sends once per stage, on the first SES resource, from the e-mail assumption', () => {
    const resources = {
      Identity: { Type: 'AWS::SES::EmailIdentity', Properties: { EmailIdentity: 'genlake.example.com' } },
      Other: { Type: 'AWS::SES::ConfigurationSet' },
    };
    const prod = priceResources(resources);
    const [line] = linesOf(prod, 'Identity').lines;
    expect(line).toMatchObject({ quantity: 3, unit: '1000 emails', unitPrice: 0.1, assumptions: ['email'] });
    expect(line.monthly).toBeCloseTo(0.3, 6);
    expect(linesOf(prod, 'Other').monthly).toBe(0);
    expect(prod.assumptions.email).toMatch(/^3,000 e-mails a month through SES/);
    expect(linesOf(priceResources(resources, { stage: 'dev' }), 'Identity').monthly).toBeCloseTo(0.02, 6);
  });

  it('prices the notifier log group by its own rule', () => {
    const env = priceResources({
      NotifierLogsEC358FAB: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/genlake/prod/notifier', RetentionInDays: 90 },
      },
    });
    expect(linesOf(env, 'NotifierLogsEC358FAB').lines[0].monthly).toBeCloseTo(1 * 0.63, 6);
  });
});

describe('types without a price', () => {
  it('lists free, usage-based and custom resources at $0 with the reason', () => {
    const env = priceResources({
      Role: { Type: 'AWS::IAM::Role' },
      Queue: { Type: 'AWS::SQS::Queue' },
      Custom: { Type: 'Custom::S3AutoDeleteObjects' },
    });
    expect(linesOf(env, 'Role').lines[0]).toMatchObject({ kind: 'no-charge', monthly: 0 });
    expect(linesOf(env, 'Queue').lines[0]).toMatchObject({ kind: 'usage', monthly: 0 });
    expect(linesOf(env, 'Custom').lines[0]).toMatchObject({ kind: 'no-charge' });
    expect(env.warnings).toEqual([]);
  });

  it('lists an unknown type at $0 with a warning', () => {
    const env = priceResources({ Odd: { Type: 'AWS::Imaginary::Thing' } });
    expect(linesOf(env, 'Odd').lines[0]).toMatchObject({ kind: 'unknown', monthly: 0 });
    expect(env.warnings[0]).toMatch(/AWS::Imaginary::Thing is not in the price table/);
  });
});

describe('CloudFront Functions', () => {
  it('counts the static requests for a function on the default behaviour only, every request otherwise', () => {
    const env = priceResources({
      Spa: { Type: 'AWS::CloudFront::Function', Properties: { AutoPublish: true } },
      Everywhere: { Type: 'AWS::CloudFront::Function', Properties: { AutoPublish: true } },
      Cdn: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: {
          DistributionConfig: {
            DefaultCacheBehavior: {
              FunctionAssociations: [
                { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['Spa', 'FunctionARN'] } },
                { EventType: 'viewer-response', FunctionARN: { 'Fn::GetAtt': ['Everywhere', 'FunctionARN'] } },
              ],
            },
            CacheBehaviors: [
              {
                PathPattern: '/api/*',
                FunctionAssociations: [
                  { EventType: 'viewer-response', FunctionARN: { 'Fn::GetAtt': ['Everywhere', 'FunctionARN'] } },
                ],
              },
            ],
          },
        },
      },
    });
    expect(linesOf(env, 'Spa').lines[0].quantity).toBeCloseTo((60840 * 25) / 1e6, 6);
    expect(linesOf(env, 'Everywhere').lines[0].quantity).toBeCloseTo((60840 * 25 + 60840 * 15 + 2_880_000) / 1e6, 6);
  });
});

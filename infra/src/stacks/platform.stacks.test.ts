import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Json, outputName, resources, stages, template } from '../synth.fixture';

describe.each(['dev', 'prod'])('%s network stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.network);
  const config = stage.config;

  it('spans two AZs with public, private and isolated subnets, NAT by config, flow logs and the S3 endpoint', () => {
    const subnets = resources(t, 'AWS::EC2::Subnet').map(([, p]) => p);
    expect(new Set(subnets.map((s) => s.AvailabilityZone))).toEqual(
      new Set([`${config.region}a`, `${config.region}b`]),
    );
    const kinds = subnets.map((s) => s.Tags.find((x: Json) => x.Key === 'aws-cdk:subnet-name').Value).sort();
    expect(kinds).toEqual(['isolated', 'isolated', 'private', 'private', 'public', 'public']);
    if (config.network.natMode === 'instance') {
      t.resourceCountIs('AWS::EC2::Instance', config.network.natCount);
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
      t.hasResourceProperties('AWS::EC2::Instance', {
        InstanceType: config.network.natInstanceType,
        SourceDestCheck: false,
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'StatusCheckFailed_System',
        AlarmActions: [`arn:aws:automate:${config.region}:ec2:recover`],
      });
    } else t.resourceCountIs('AWS::EC2::NatGateway', config.network.natCount);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      LogDestinationType: 's3',
      TrafficType: config.network.flowLogTraffic,
    });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  it('lets only CloudFront reach the ALB, and the ALB only the API and Grafana', () => {
    const [[albSg, alb]] = resources(t, 'AWS::EC2::SecurityGroup').filter(([, p]) => /^ALB/.test(p.GroupDescription));
    expect(alb.SecurityGroupIngress).toBeUndefined();
    const ingress = resources(t, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => p.GroupId['Fn::GetAtt'][0] === albSg,
    );
    expect(ingress.map(([, p]) => p)).toEqual([
      expect.objectContaining({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp', SourcePrefixListId: 'pl-a3a144ca' }),
    ]);
    const egress = resources(t, 'AWS::EC2::SecurityGroupEgress').filter(
      ([, p]) => p.GroupId['Fn::GetAtt'][0] === albSg,
    );
    expect(egress.map(([, p]) => p.FromPort).sort()).toEqual([3000, 8080]);
  });

  it('admits nothing to the notifier but Prometheus on 8083; it reaches the CRM (443) and SES SMTP (587) through NAT', () => {
    const [[sgId, sg]] = resources(t, 'AWS::EC2::SecurityGroup').filter(
      ([, p]) => p.GroupDescription === 'notifier tasks',
    );
    const ingress = resources(t, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => p.GroupId['Fn::GetAtt']?.[0] === sgId,
    );
    expect(ingress.map(([, p]) => [p.FromPort, p.Description])).toEqual([[8083, 'Prometheus scrapes /metrics']]);
    // outbound is open like every service's (443 and 587 included), and leaves through the NAT of the private subnets
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });
});

describe.each(['dev', 'prod'])('%s notifications stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.notifications);
  const config = stage.config;

  it('makes the domain an SES identity with Easy DKIM, its records in the public zone', () => {
    t.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: config.domain.name,
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      DkimAttributes: { SigningEnabled: true },
    });
    const records = resources(t, 'AWS::Route53::RecordSet').map(([, p]) => p);
    expect(records).toHaveLength(3);
    for (const r of records) {
      expect(r.Type).toBe('CNAME');
      // the zone lives in the global stack (us-east-1): a weak cross-region reference
      expect(outputName(r.HostedZoneId)).toMatch(/Zone/);
    }
    expect(stage.notifications.region).toBe(config.region);
  });

  it('holds the CRM token and the SMTP credentials as placeholders for an operator', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `genlake/${env}/crm-token`,
      Description: Match.stringLikeRegexp('operator'),
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `genlake/${env}/smtp`,
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ user: 'replace-with-the-smtp-user' }),
        GenerateStringKey: 'password',
      }),
    });
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
  });
});

describe.each(['dev', 'prod'])('%s messaging stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.messaging);
  const config = stage.config;

  it('keeps RabbitMQ private, reachable from the services only, credentials in Secrets Manager', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `genlake/${env}/rabbitmq`,
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
    const [[sgId]] = resources(t, 'AWS::EC2::SecurityGroup').filter(([, p]) => /^RabbitMQ/.test(p.GroupDescription));
    const ingress = resources(t, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => p.GroupId['Fn::GetAtt']?.[0] === sgId,
    );
    const amqp = ingress.filter(([, p]) => p.FromPort === (config.messaging.mode === 'amazon-mq' ? 5671 : 5672));
    expect(amqp).toHaveLength(Object.keys(config.services).length);
    for (const [, p] of ingress) expect(p.CidrIp).toBeUndefined();
    if (config.messaging.mode === 'amazon-mq') {
      t.hasResourceProperties('AWS::AmazonMQ::Broker', {
        EngineType: 'RABBITMQ',
        EngineVersion: config.messaging.engineVersion,
        HostInstanceType: config.messaging.instanceType,
        DeploymentMode: config.messaging.deploymentMode,
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
      });
      const [[, broker]] = resources(t, 'AWS::AmazonMQ::Broker');
      expect(JSON.stringify(broker.SubnetIds)).toMatch(/privateSubnet/);
      expect(JSON.stringify(broker.Users)).toMatch(/resolve:secretsmanager/);
    } else {
      t.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
      t.hasResourceProperties('AWS::ECS::Service', {
        ServiceName: 'rabbitmq',
        DesiredCount: 1,
        DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }),
      });
      const [[, td]] = resources(t, 'AWS::ECS::TaskDefinition');
      expect(td.Volumes[0].EFSVolumeConfiguration).toMatchObject({ TransitEncryption: 'ENABLED' });
      const sidecar = td.ContainerDefinitions.find((c: Json) => c.Name === 'queue-metrics');
      expect(sidecar.Command[0]).toContain('put-metric-data');
    }
  });
});

describe.each(['dev', 'prod'])('%s delivery stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.delivery);
  const config = stage.config;

  it('has one ECR repository per service, scanned on push, with lifecycle rules', () => {
    for (const name of ['gateway', 'processor', 'corrector', 'notifier']) {
      t.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: `genlake-${env}/${name}`,
        ImageScanningConfiguration: { ScanOnPush: true },
        LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countType":"imageCountMoreThan"') },
      });
    }
  });

  it('lets GitHub deploy only from main and v* tags of the configured repository', () => {
    const repo = config.delivery.githubRepository;
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `genlake-${env}-github-deploy`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: Match.anyValue() },
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              StringLike: {
                'token.actions.githubusercontent.com:sub': [
                  `repo:${repo}:ref:refs/heads/main`,
                  `repo:${repo}:ref:refs/tags/v*`,
                ],
              },
            },
          },
        ],
      },
    });
    const statements = resources(t, 'AWS::IAM::Policy').flatMap(([, p]) => p.PolicyDocument.Statement);
    const assume = statements.find((s: Json) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume.Resource).toContain(
      `arn:aws:iam::${config.account}:role/cdk-hnb659fds-deploy-role-${config.account}-${config.region}`,
    );
    expect(statements.flatMap((s: Json) => [s.Action].flat())).toEqual(
      expect.arrayContaining(['ecr:PutImage', 'ecr:GetAuthorizationToken']),
    );
  });
});

describe.each(['dev', 'prod'])('%s observability stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.observability);
  const config = stage.config;
  const alarms = resources(t, 'AWS::CloudWatch::Alarm').map(([, p]) => p);

  it('watches for a healthy API task always in prod, only during working hours where the services sleep at night', () => {
    const [noHealthy] = alarms.filter((a) => /no-healthy-task$/.test(a.AlarmName));
    if (!config.workingHours) {
      expect(noHealthy.MetricName).toBe('HealthyHostCount');
      return;
    }
    const [expression] = noHealthy.Metrics.filter((m: Json) => m.Expression);
    // Europe/Berlin 07–19 on weekdays: 07:00–17:00 UTC is inside both the winter (+1) and summer (+2) hours, an hour late
    expect(expression.Expression).toBe(
      'IF(((DAY(FILL(h, 0)) >= 1 AND DAY(FILL(h, 0)) <= 5)) AND HOUR(FILL(h, 0)) >= 7 AND HOUR(FILL(h, 0)) < 17, FILL(h, 0), 1)',
    );
    expect(noHealthy.Metrics.find((m: Json) => m.Id === 'h').MetricStat.Metric.MetricName).toBe('HealthyHostCount');
    // nothing publishes at night: no alarm may sit in INSUFFICIENT_DATA and mail "OK" every morning
    for (const a of alarms) expect(a.TreatMissingData, a.AlarmName).toMatch(/^(notBreaching|breaching)$/);
  });

  it('alarms on the database, the broker, the queues, the dead letters and the API, to the on-call address', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.observability.alarmEmail });
    const metricNames = alarms.map((a) => a.MetricName ?? 'math');
    for (const m of ['CPUUtilization', 'DatabaseConnections', 'FreeStorageSpace', 'ReadIOPS', 'WriteIOPS']) {
      expect(metricNames).toContain(m);
    }
    expect(metricNames).toContain('HTTPCode_ELB_5XX_Count');
    expect(metricNames).toContain('HTTPCode_Target_5XX_Count');
    const dead = alarms.filter((a) => a.Dimensions?.some((d: Json) => d.Name === 'Queue' && d.Value.endsWith('.dead')));
    expect(dead.map((a) => a.Dimensions.find((d: Json) => d.Name === 'Queue').Value).sort()).toEqual([
      'corrector.generation-produced.dead',
      'notifier.crm.dead',
      'notifier.mail.dead',
      'processor.batch-accepted.dead',
    ]);
    // the notifier drains every dead-letter queue: a dead letter still there after 10 minutes means it is not
    for (const a of dead) {
      expect(a).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 10,
        DatapointsToAlarm: 10,
      });
      expect(a.AlarmDescription).toMatch(/Call: the notifier team/);
    }
    const depth = alarms.filter(
      (a) => a.AlarmName?.endsWith('queue-depth') && a.Dimensions?.some((d: Json) => d.Value.startsWith('notifier.')),
    );
    expect(depth.map((a) => a.AlarmName).sort()).toEqual([
      `genlake-${env}-notifier-crm-queue-depth`,
      `genlake-${env}-notifier-mail-queue-depth`,
    ]);
    expect(alarms.filter((a) => a.Namespace === 'AWS/SES').map((a) => [a.MetricName, a.Threshold])).toEqual([
      ['Reputation.BounceRate', 0.04],
      ['Reputation.ComplaintRate', 0.0008],
    ]);
    expect(
      alarms.filter((a) => /BrokerMemory|BrokerCpu|memory|CPU/.test(JSON.stringify(a.AlarmDescription))),
    ).not.toHaveLength(0);
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
  });

  it('saves the Logs Insights queries operations need', () => {
    const names = resources(t, 'AWS::Logs::QueryDefinition').map(([, p]) => p.Name);
    expect(names).toEqual([
      `genlake-${env}/errors by service`,
      `genlake-${env}/one batch by correlation id (replace the id)`,
      `genlake-${env}/dead-lettered messages`,
      `genlake-${env}/slow requests and slow batches (over 30 s)`,
    ]);
  });

  it('runs Prometheus (scraping every service) and Grafana behind /grafana', () => {
    const tasks = resources(t, 'AWS::ECS::TaskDefinition').map(([, p]) => p);
    const prometheus = tasks.find((x) => x.Family === `genlake-${env}-prometheus`)!;
    const config = JSON.parse(prometheus.ContainerDefinitions[0].Environment[0].Value);
    expect(config.scrape_configs.map((s: Json) => s.job_name)).toEqual(
      expect.arrayContaining(['corrector', 'gateway', 'notifier', 'processor']),
    );
    expect(tasks.find((x) => x.Family === `genlake-${env}-grafana`)).toBeDefined();
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: Match.arrayWith([
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/grafana', '/grafana/*'] } },
      ]),
    });
  });
});

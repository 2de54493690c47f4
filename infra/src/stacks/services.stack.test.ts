import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Json, resources, stages, template } from '../synth.fixture';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

/** Statements of the policies attached to a role whose logical id starts with `rolePrefix`. */
function statementsOf(t: ReturnType<typeof template>, rolePrefix: string): Statement[] {
  return resources(t, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref?.startsWith(rolePrefix)))
    .flatMap(([, p]) => p.PolicyDocument.Statement as Statement[]);
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** `{"Fn::Join": ["", [<bucket arn>, "/data/lake/x/*"]]}` → `/data/lake/x/*`. */
const objectSuffixes = (s: Statement) =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) =>
    typeof r === 'string' ? r : ((r as Json)['Fn::Join']?.[1]?.[1] ?? JSON.stringify(r)),
  );

describe.each(['dev', 'prod'])('%s services stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.services);
  const config = stage.config;

  /** The container of a service's task definition. */
  const containerOf = (name: string): Json => {
    const [[, td]] = resources(t, 'AWS::ECS::TaskDefinition').filter(([, p]) => p.Family === `genlake-${env}-${name}`);
    return td.ContainerDefinitions[0];
  };
  const environmentOf = (container: Json): Record<string, Json> =>
    Object.fromEntries(container.Environment.map((e: Json) => [e.Name, e.Value]));
  const secretNames = (container: Json): string[] => container.Secrets.map((s: { Name: string }) => s.Name).sort();
  const BASE_SECRETS = ['DATABASE_PASSWORD', 'DATABASE_USERNAME', 'RABBITMQ_PASSWORD', 'RABBITMQ_USERNAME'];

  it('runs one Fargate service per team service with graceful stop and secrets from Secrets Manager', () => {
    const names = ['corrector', 'gateway', 'notifier', 'processor'];
    expect(resources(t, 'AWS::ECS::TaskDefinition')).toHaveLength(names.length);
    for (const name of names) {
      const container = containerOf(name);
      expect(container.StopTimeout).toBe(120);
      expect(secretNames(container)).toEqual([...BASE_SECRETS, ...Object.keys(config.services[name].secrets)].sort());
      for (const s of container.Secrets.filter((x: Json) => BASE_SECRETS.includes(x.Name))) {
        expect(JSON.stringify(s.ValueFrom)).toMatch(/:(username|password)::/);
      }
      const environment = environmentOf(container);
      expect(environment.DATABASE_HOST).toBe(`db.internal.${config.domain.name}`);
      expect(environment.S3_REGION).toBe(config.region);
      if (name === 'notifier') expect(environment.STORAGE_URL).toBe('/tmp/genlake/storage');
      else expect(JSON.stringify(environment.STORAGE_URL)).toMatch(/s3:\/\/.*\/data/);
      expect(JSON.stringify(container.Environment)).not.toMatch(/(PASSWORD|SECRET|TOKEN)"/);
      expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    }
    for (const name of names) {
      const s = config.services[name];
      t.hasResourceProperties('AWS::ECS::Service', {
        ServiceName: name,
        CapacityProviderStrategy:
          s.spot && s.onDemandBase > 0
            ? [
                { CapacityProvider: 'FARGATE', Base: s.onDemandBase, Weight: 0 },
                { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
              ]
            : [{ CapacityProvider: s.spot ? 'FARGATE_SPOT' : 'FARGATE', Weight: 1 }],
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
      t.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Family: `genlake-${env}-${name}`,
        Cpu: String(s.cpu),
        Memory: String(s.memoryMiB),
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/genlake/${env}/${name}`,
        RetentionInDays: config.observability.logRetentionDays,
      });
    }
  });

  it('gives the gateway its token key as an ECS secret, generated, and its public settings', () => {
    const container = containerOf('gateway');
    const jwt = container.Secrets.find((s: Json) => s.Name === 'AUTH_JWT_SECRET');
    const [[jwtId, secret]] = resources(t, 'AWS::SecretsManager::Secret').filter(
      ([, p]) => p.Name === `genlake/${env}/auth-jwt`,
    );
    // the whole secret (no JSON field), by reference: the value is never in the template
    expect(jwt.ValueFrom).toEqual({ Ref: jwtId });
    expect(secret.GenerateSecretString).toEqual({ PasswordLength: 64, ExcludePunctuation: true });
    const environment = environmentOf(container);
    expect(environment.AUTH_JWT_SECRET).toBeUndefined();
    expect(environment).toMatchObject({
      PUBLIC_BASE_URL: `https://${config.domain.name}`,
      AUTH_JWT_ISSUER: `https://${config.domain.name}`,
      AUTH_JWT_AUDIENCE: 'genlake-api',
      TRUST_PROXY_HOPS: '2',
    });
  });

  it('runs the notifier with its CRM and SMTP secrets, its settings, and no permission of its own', () => {
    const container = containerOf('notifier');
    expect(secretNames(container)).toEqual([...BASE_SECRETS, 'CRM_TOKEN', 'SMTP_PASSWORD', 'SMTP_USER'].sort());
    const valueFrom = (name: string) => JSON.stringify(container.Secrets.find((s: Json) => s.Name === name).ValueFrom);
    expect(valueFrom('CRM_TOKEN')).toMatch(/CrmTokenSecret/);
    expect(valueFrom('CRM_TOKEN')).not.toMatch(/::$/);
    expect(valueFrom('SMTP_USER')).toMatch(/SmtpSecret.*:user::/);
    expect(valueFrom('SMTP_PASSWORD')).toMatch(/SmtpSecret.*:password::/);
    expect(environmentOf(container)).toMatchObject({
      PORT: '8083',
      CRM_URL: config.notifications.crmUrl,
      CRM_MAX_PER_SECOND: '80',
      SMTP_HOST: `email-smtp.${config.region}.amazonaws.com`,
      SMTP_PORT: '587',
      SMTP_REQUIRE_TLS: 'true',
      MAIL_FROM: `genlake <no-reply@${config.domain.name}>`,
      PUBLIC_BASE_URL: `https://${config.domain.name}`,
      OPERATOR_EMAILS: config.observability.alarmEmail,
    });
    // no policy at all on its task role: no S3, no KMS, nothing
    expect(statementsOf(t, 'NotifierTaskRole')).toEqual([]);
    const [[roleId]] = resources(t, 'AWS::IAM::Role').filter(([id]) => id.startsWith('NotifierTaskRole'));
    expect(resources(t, 'AWS::IAM::Role').find(([id]) => id === roleId)![1].ManagedPolicyArns).toBeUndefined();
    // its execution role may read exactly its secrets (and pull, and log)
    const execution = statementsOf(t, 'NotifierTaskExecutionRole').filter((s) =>
      actions(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(
      execution
        .flatMap((s) => [s.Resource].flat())
        .map((r) => JSON.stringify(r))
        .join(' '),
    ).not.toMatch(/AuthJwt|OriginVerify/);
    // no target group, no ALB rule: nothing reaches it but Prometheus
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    t.hasResourceProperties('AWS::ECS::Service', { ServiceName: 'notifier', LoadBalancers: [] });
  });

  it('scales the notifier on the sum of its two queues: one task, a standby while messages wait', () => {
    const s = config.services.notifier;
    expect([s.minTasks, s.maxTasks]).toEqual([1, 2]);
    const [[, target]] = resources(t, 'AWS::ApplicationAutoScaling::ScalableTarget').filter(([id]) =>
      id.startsWith('NotifierService'),
    );
    expect(target).toMatchObject({ MinCapacity: 1, MaxCapacity: 2, ScalableDimension: 'ecs:service:DesiredCount' });
    const alarms = resources(t, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('Notifier'));
    expect(alarms).toHaveLength(2);
    for (const [, alarm] of alarms) {
      const [sum, ...metrics] = alarm.Metrics;
      expect(sum.Expression).toBe('FILL(q0, 0) + FILL(q1, 0)');
      expect(
        metrics.map((m: Json) => m.MetricStat.Metric.Dimensions.find((d: Json) => d.Name === 'Queue').Value),
      ).toEqual(['notifier.crm', 'notifier.mail']);
    }
  });

  it('scales the processor and the corrector on their queue depth, down to their minimum', () => {
    for (const [name, queue] of [
      ['Processor', 'processor.batch-accepted'],
      ['Corrector', 'corrector.generation-produced'],
    ]) {
      const s = config.services[name.toLowerCase()];
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        ResourceId: Match.anyValue(),
        MinCapacity: s.minTasks,
        MaxCapacity: s.maxTasks,
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      const policies = resources(t, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([id]) => id.startsWith(name));
      expect(policies.map(([, p]) => p.PolicyType)).toEqual(['StepScaling', 'StepScaling']);
      const alarms = resources(t, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith(name));
      expect(alarms).toHaveLength(2);
      for (const [, alarm] of alarms) {
        expect(alarm.MetricName).toBe('MessageCount');
        expect(alarm.Namespace).toBe(config.messaging.mode === 'amazon-mq' ? 'AWS/AmazonMQ' : 'Genlake/RabbitMQ');
        expect(alarm.Dimensions).toEqual(
          expect.arrayContaining([
            { Name: 'Queue', Value: queue },
            { Name: 'VirtualHost', Value: '/' },
            { Name: 'Broker', Value: `genlake-${env}-rabbitmq` },
          ]),
        );
        const policy = policies.find(([id]) => alarm.AlarmActions[0].Ref === id);
        expect(policy).toBeDefined();
      }
      const empty = policies.find(([id]) => id.includes('QueueEmpty'))![1];
      expect(empty.StepScalingPolicyConfiguration.StepAdjustments).toEqual([
        { MetricIntervalUpperBound: 0, ScalingAdjustment: s.minTasks },
      ]);
    }
  });

  it('scales the gateway on ALB requests per task; the ALB checks /health/ready', () => {
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: config.services.gateway.scaleTarget,
      }),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      TargetType: 'ip',
      HealthCheckPath: '/health/ready',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }]),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: [
        Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) }),
      ],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: Match.arrayWith([
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
        Match.objectLike({
          Field: 'http-header',
          HttpHeaderConfig: Match.objectLike({ HttpHeaderName: 'X-Origin-Verify' }),
        }),
      ]),
    });
  });

  it('gives each service a task role with only its own storage prefixes', () => {
    const all = resources(t, 'AWS::IAM::Policy').flatMap(([, p]) => p.PolicyDocument.Statement as Statement[]);
    for (const s of all) {
      expect(actions(s)).not.toContain('s3:*');
      expect(actions(s)).not.toContain('*');
      if (actions(s).some((a) => a.startsWith('s3:'))) expect(s.Resource).not.toBe('*');
    }
    const grants = (role: string) => {
      const statements = statementsOf(t, `${role}TaskRole`);
      const of = (action: string) =>
        statements
          .filter((s) => actions(s).includes(action))
          .flatMap(objectSuffixes)
          .sort();
      return { read: of('s3:GetObject'), write: of('s3:PutObject'), all: statements.flatMap(actions) };
    };
    const processor = grants('Processor');
    expect(processor.read).toEqual(['/data/incoming/*']);
    expect(processor.write).toEqual([
      '/data/lake/estimates/*',
      '/data/lake/features/*',
      '/data/lake/observations/*',
      '/data/lake/windows/*',
    ]);
    expect(processor.write.some((r) => /corrections|corrected_estimates/.test(r))).toBe(false);
    const corrector = grants('Corrector');
    expect(corrector.read).toEqual(['/data/lake/estimates/*']);
    expect(corrector.write).toEqual(['/data/lake/corrected_estimates/*', '/data/lake/corrections/*']);
    const gateway = grants('Gateway');
    expect(gateway.read).toEqual(['/data/lake/*']);
    expect(gateway.write).toEqual(['/data/incoming/*']);
    for (const g of [processor, corrector, gateway]) {
      expect(new Set(g.all)).toEqual(
        new Set([
          's3:GetObject',
          's3:PutObject',
          's3:AbortMultipartUpload',
          's3:ListBucket',
          ...(config.lake.encryption === 'kms' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : []),
        ]),
      );
      expect(g.all).not.toContain('s3:DeleteObject');
    }
  });

  it('keeps the API at its minimum on on-demand FARGATE in production; Spot takes only the tasks above it', () => {
    const [[, gateway]] = resources(t, 'AWS::ECS::Service').filter(([, p]) => p.ServiceName === 'gateway');
    const onDemand = (gateway.CapacityProviderStrategy as Json[]).find((x) => x.CapacityProvider === 'FARGATE');
    if (env === 'prod') expect(onDemand?.Base ?? (onDemand ? Infinity : 0)).toBeGreaterThanOrEqual(2);
    else expect(onDemand).toBeUndefined();
  });

  it('scales every service to 0 outside working hours in dev only, and back to its range at their start', () => {
    const targets = resources(t, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(4);
    for (const [, target] of targets) {
      const actions = (target.ScheduledActions ?? []) as Json[];
      if (!config.workingHours) {
        expect(actions).toEqual([]);
        continue;
      }
      const { startHour, stopHour, weekDays, timeZone } = config.workingHours;
      expect(actions).toEqual([
        {
          ScheduledActionName: 'WorkingHoursStart',
          Schedule: `cron(0 ${startHour} ? * ${weekDays} *)`,
          ScalableTargetAction: { MinCapacity: target.MinCapacity, MaxCapacity: target.MaxCapacity },
          Timezone: timeZone,
        },
        {
          ScheduledActionName: 'WorkingHoursStop',
          Schedule: `cron(0 ${stopHour} ? * ${weekDays} *)`,
          ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
          Timezone: timeZone,
        },
      ]);
    }
    expect(env === 'dev').toBe(Boolean(config.workingHours));
  });

  it('restarts the services when the database credentials rotate', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ eventName: ['RotationSucceeded'] }) }),
    });
    const statements = statementsOf(t, 'RestartAfterRotationRole');
    expect(statements.flatMap(actions).sort()).toEqual([
      'ecs:UpdateService',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });
});

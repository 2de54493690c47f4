import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { duringWorkingHours } from '../constructs/capacity';
import { PrometheusGrafana } from '../constructs/prometheus-grafana.construct';
import { enabledServices, pascal, queuesOf, resourceName, workerServices } from '../genlake.naming';
import type { DataStack } from './data.stack';
import { DASHBOARDS_PREFIX, type LakeStack } from './lake.stack';
import { type MessagingStack, RABBITMQ_PROMETHEUS_PORT } from './messaging.stack';
import type { NetworkStack } from './network.stack';
import { ORIGIN_VERIFY_HEADER, type ServicesStack } from './services.stack';

/** Rough max_connections of RDS PostgreSQL (LEAST(memory/9531392, 5000)) by instance size. */
const MEMORY_GIB: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };
export function estimatedMaxConnections(instanceClass: string): number {
  const size = instanceClass.split('.')[1] ?? 'large';
  const gib = MEMORY_GIB[size] ?? 8;
  return Math.min(5000, Math.floor((gib * 1024 ** 3 * 0.9) / 9_531_392));
}

export interface ObservabilityStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly lake: LakeStack;
  readonly messaging: MessagingStack;
  readonly services: ServicesStack;
}

/**
 * What operations watch: alarms (database, broker, queues, dead letters, API errors) notifying the on-call address,
 * saved CloudWatch Logs Insights queries, and Prometheus + Grafana (self-hosted or managed).
 */
export class ObservabilityStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, network, data, lake, messaging, services } = props;

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: resourceName(config, 'alarms'),
      displayName: `genlake ${config.name} alarms`,
      enforceSSL: true,
    });
    this.topic.addSubscription(new subscriptions.EmailSubscription(config.observability.alarmEmail));
    NagSuppressions.addResourceSuppressions(this.topic, [
      {
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and metric values, no user data. CloudWatch cannot publish to a topic ' +
          'encrypted with the AWS managed SNS key, and a customer managed key costs $1/month per environment.',
      },
    ]);

    const action = new cwActions.SnsAction(this.topic);
    // with working hours the database, broker and tasks publish nothing at night: missing data is not breaching, so
    // the alarms stay OK through the night instead of going to INSUFFICIENT_DATA and mailing "OK" every morning
    const quietAtNight = config.workingHours ? cloudwatch.TreatMissingData.NOT_BREACHING : undefined;
    const alarm = (id: string, p: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `genlake-${config.name}-${kebab(id)}`,
        ...p,
        treatMissingData: p.treatMissingData ?? quietAtNight,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    const five = Duration.minutes(5);

    // ---- database (team: platform) ----
    const db = data.database;
    alarm('DatabaseCpu', {
      alarmDescription: 'Database CPU above 80 % for 15 minutes. Call: platform.',
      metric: db.metricCPUUtilization({ period: five }),
      threshold: 80,
      evaluationPeriods: 3,
    });
    const maxConnections = estimatedMaxConnections(config.database.instanceClass);
    alarm('DatabaseConnections', {
      alarmDescription: `Database connections above 80 % of ~${maxConnections} for 10 minutes. Call: platform.`,
      metric: db.metricDatabaseConnections({ period: five, statistic: 'Maximum' }),
      threshold: Math.floor(maxConnections * 0.8),
      evaluationPeriods: 2,
    });
    alarm('DatabaseFreeStorage', {
      alarmDescription: 'Database free storage below 20 % of the allocated size. Call: platform.',
      metric: db.metricFreeStorageSpace({ period: five, statistic: 'Minimum' }),
      threshold: config.database.allocatedStorageGb * 0.2 * 1024 ** 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
    for (const kind of ['Read', 'Write'] as const) {
      alarm(`Database${kind}Iops`, {
        alarmDescription: `Database ${kind.toLowerCase()} IOPS above 2,400 (80 % of the gp3 baseline) for 15 minutes. Call: platform.`,
        metric: db.metric(`${kind}IOPS`, { period: five, statistic: 'Average' }),
        threshold: 2400,
        evaluationPeriods: 3,
      });
    }

    // ---- broker (team: platform) ----
    if (messaging.mode === 'amazon-mq') {
      const broker = (metricName: string, statistic = 'Maximum') =>
        new cloudwatch.Metric({
          namespace: 'AWS/AmazonMQ',
          metricName,
          dimensionsMap: { Broker: messaging.brokerName },
          statistic,
          period: five,
        });
      alarm('BrokerMemory', {
        alarmDescription:
          'RabbitMQ memory above 80 % of its high watermark (publishers block at 100 %). Call: platform.',
        metric: new cloudwatch.MathExpression({
          expression: '100 * used / limit',
          usingMetrics: { used: broker('RabbitMQMemUsed'), limit: broker('RabbitMQMemLimit') },
          label: 'memory used %',
          period: five,
        }),
        threshold: 80,
        evaluationPeriods: 2,
      });
      alarm('BrokerCpu', {
        alarmDescription: 'RabbitMQ CPU above 80 % for 15 minutes. Call: platform.',
        metric: broker('SystemCpuUtilization', 'Average'),
        threshold: 80,
        evaluationPeriods: 3,
      });
    } else if (messaging.selfHosted) {
      const service = messaging.selfHosted.service;
      alarm('BrokerMemory', {
        alarmDescription: 'Self-hosted RabbitMQ task memory above 80 %. Call: platform.',
        metric: service.metricMemoryUtilization({ period: five, statistic: 'Maximum' }),
        threshold: 80,
        evaluationPeriods: 2,
      });
      alarm('BrokerCpu', {
        alarmDescription: 'Self-hosted RabbitMQ task CPU above 80 % for 15 minutes. Call: platform.',
        metric: service.metricCpuUtilization({ period: five }),
        threshold: 80,
        evaluationPeriods: 3,
      });
    }

    // ---- queues and dead letters (team: the consuming service's) ----
    // When a service drains the dead-letter queues (the notifier stores each dead letter and e-mails the operators),
    // a dead letter that stays 10 minutes means that service is not working; else any dead letter is news.
    const drainer = enabledServices(config).find(([, s]) => s.drainsDeadLetters)?.[0];
    for (const [name, service] of workerServices(config)) {
      const queues = queuesOf(service);
      for (const queue of queues) {
        // one queue: ids as before (ProcessorQueueDepth); several: named by queue (NotifierCrmQueueDepth)
        const id = queues.length === 1 ? pascal(name) : pascal(queue);
        alarm(`${id}QueueDepth`, {
          alarmDescription:
            `More than ${service.scaleTarget * 50} messages waiting in ${queue} for 15 minutes: ${name} is not ` +
            `keeping up or is stuck. Call: the ${name} team.`,
          metric: messaging.queueDepthMetric(queue, five),
          threshold: service.scaleTarget * 50,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        const minutes = drainer ? 10 : 1;
        alarm(`${id}DeadLetters`, {
          alarmDescription: drainer
            ? `Dead letters have waited in ${queue}.dead for 10 minutes: ${drainer} moves every dead letter to the ` +
              `database and e-mails the operators, and is not doing so. Call: the ${drainer} team; the dead letters ` +
              `themselves (npm run dead-letters) go to the ${name} team.`
            : `Messages in ${queue}.dead: ${name} gave up on them (failed 5 times or broke the contract). ` +
              `Inspect and replay them. Call: the ${name} team.`,
          metric: messaging.queueDepthMetric(`${queue}.dead`),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: minutes,
          datapointsToAlarm: minutes,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
    }

    // ---- e-mail through SES (team: notifier) ----
    // SES reviews an account at a 5 % bounce or 0.1 % complaint rate and may pause its sending at 10 % / 0.5 %;
    // the account-level reputation metrics need no configuration set.
    {
      const reputation = (metricName: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
      alarm('MailBounceRate', {
        alarmDescription:
          'SES bounce rate above 4 % (SES reviews the account at 5 %, pauses sending at 10 %): mail to addresses ' +
          'that do not exist. Call: the notifier team.',
        metric: reputation('Reputation.BounceRate'),
        threshold: 0.04,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm('MailComplaintRate', {
        alarmDescription:
          'SES complaint rate above 0.08 % (SES reviews the account at 0.1 %, pauses sending at 0.5 %): recipients ' +
          'mark our mail as spam. Call: the notifier team.',
        metric: reputation('Reputation.ComplaintRate'),
        threshold: 0.0008,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // ---- API (team: gateway) ----
    const alb = services.loadBalancer;
    alarm('AlbErrors', {
      alarmDescription: 'The load balancer answered 5xx itself (no healthy API task, timeouts). Call: gateway team.',
      metric: alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: five, statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ApiErrors', {
      alarmDescription: 'The API answered 5xx. Call: gateway team.',
      metric: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: five, statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const [name, targetGroup] of Object.entries(services.targetGroups)) {
      const healthy = targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' });
      // with working hours the services sleep at night by design: the alarm watches the hours they are up
      const hours = config.workingHours;
      alarm(`${pascal(name)}NoHealthyTask`, {
        alarmDescription:
          `No healthy ${name} task behind the load balancer${hours ? ' during working hours' : ''}. ` +
          `Call: the ${name} team.`,
        metric: hours
          ? new cloudwatch.MathExpression({
              expression: `IF(${duringWorkingHours(hours, 'FILL(h, 0)')}, FILL(h, 0), 1)`,
              usingMetrics: { h: healthy },
              period: Duration.minutes(1),
              label: `healthy ${name} tasks (1 outside working hours)`,
            })
          : healthy,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }

    // ---- saved Logs Insights queries over every service's logs ----
    const logGroups = Object.values(services.services).map((s) => s.logGroup);
    const query = (id: string, name: string, queryString: logs.QueryString) =>
      new logs.QueryDefinition(this, id, {
        queryDefinitionName: `genlake-${config.name}/${name}`,
        queryString,
        logGroups,
      });
    query(
      'ErrorsByService',
      'errors by service',
      new logs.QueryString({
        fields: ['@timestamp', 'service', 'level', 'msg', 'err', 'correlationId'],
        filterStatements: ["level in ['error', 'fatal']"],
        statsStatements: ['count(*) as errors by service, bin(5m)'],
      }),
    );
    query(
      'BatchByCorrelationId',
      'one batch by correlation id (replace the id)',
      new logs.QueryString({
        fields: ['@timestamp', 'service', 'level', 'msg', 'batchId', 'messageId', 'generation', 'err'],
        filterStatements: ["correlationId = 'REPLACE-ME' or batchId = 'REPLACE-ME'"],
        sort: '@timestamp asc',
        limit: 1000,
      }),
    );
    query(
      'DeadLetteredMessages',
      'dead-lettered messages',
      new logs.QueryString({
        fields: ['@timestamp', 'service', 'queue', 'reason', 'attempt', 'messageId', 'correlationId'],
        filterStatements: ["msg = 'message dead-lettered' or msg = 'message failed for the last time'"],
        sort: '@timestamp desc',
        limit: 200,
      }),
    );
    query(
      'SlowWork',
      'slow requests and slow batches (over 30 s)',
      new logs.QueryString({
        fields: ['@timestamp', 'service', 'msg', 'ms', 'dataset', 'generation', 'records', 'correlationId'],
        filterStatements: ['ispresent(ms) and ms > 30000'],
        sort: 'ms desc',
        limit: 100,
      }),
    );

    // ---- Prometheus + Grafana ----
    const immutable = (id: string, sg: ec2.ISecurityGroup) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, id, sg.securityGroupId, { mutable: false });
    new PrometheusGrafana(this, 'Monitoring', {
      config,
      cluster: services.cluster,
      namespace: network.namespace,
      vpc: network.vpc,
      prometheusSecurityGroup: immutable('PrometheusSecurityGroup', network.prometheusSecurityGroup),
      grafanaSecurityGroup: immutable('GrafanaSecurityGroup', network.grafanaSecurityGroup),
      extraTargets:
        messaging.mode === 'self-hosted'
          ? [{ job: 'rabbitmq', host: `rabbitmq.${network.namespace.namespaceName}`, port: RABBITMQ_PROMETHEUS_PORT }]
          : [],
      listener: services.listener,
      originHeader: { name: ORIGIN_VERIFY_HEADER, value: services.originSecret.secretValue.unsafeUnwrap() },
      dashboards: { bucket: lake.bucket, prefix: DASHBOARDS_PREFIX, key: lake.key },
    });

    // CI uploads the built dashboards (npm run dashboards) where Grafana syncs them from
    const deployRole = iam.Role.fromRoleName(this, 'DeployRole', resourceName(config, 'github-deploy'));
    const dashboardsPolicy = new iam.Policy(this, 'DashboardsDeployPolicy', {
      roles: [deployRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
          resources: [lake.bucket.arnForObjects(`${DASHBOARDS_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [lake.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${DASHBOARDS_PREFIX}*`] } },
        }),
        ...(lake.key
          ? [new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [lake.key.keyArn] })]
          : []),
      ],
    });
    NagSuppressions.addResourceSuppressions(dashboardsPolicy, [
      {
        id: 'AwsSolutions-IAM5',
        reason: `CI replaces the dashboard files below ${DASHBOARDS_PREFIX} only.`,
        appliesTo: [{ regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>\\/ops\\/grafana\\/dashboards\\/\\*$/' }],
      },
    ]);
  }
}

function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

import { Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { capacityProviderStrategies, followWorkingHours } from '../constructs/capacity';
import { enabledServices, resourceName } from '../genlake.naming';
import { PASSWORD_EXCLUDED_CHARACTERS } from './data.stack';
import type { NetworkStack } from './network.stack';

/** Namespace of the queue-depth metrics the self-hosted broker's sidecar publishes (same names as Amazon MQ's). */
export const SELF_HOSTED_METRICS_NAMESPACE = 'Genlake/RabbitMQ';
/** RabbitMQ's Prometheus endpoint (rabbitmq_prometheus plugin). */
export const RABBITMQ_PROMETHEUS_PORT = 15692;

export interface MessagingStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
}

/**
 * RabbitMQ in the private subnets, never publicly reachable, credentials in Secrets Manager. Either Amazon MQ
 * (managed; publishes per-queue `MessageCount` to AWS/AmazonMQ with dimensions Broker, VirtualHost, Queue), or
 * self-hosted on Fargate with its data on EFS; then a sidecar publishes the same metric (namespace Genlake/RabbitMQ)
 * from the management API, so scaling and alarms read one metric shape in both modes.
 */
export class MessagingStack extends Stack {
  readonly secret: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  /** `amqps://host:5671` or `amqp://rabbitmq.genlake.local:5672` (credentials are added by the tasks). */
  readonly endpoint: string;
  readonly brokerName: string;
  readonly mode: EnvironmentConfig['messaging']['mode'];
  /** Self-hosted only: the broker's ECS cluster and service names (alarms on its CPU and memory). */
  readonly selfHosted?: { cluster: ecs.Cluster; service: ecs.FargateService; fileSystem: efs.FileSystem };

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    this.mode = config.messaging.mode;
    this.brokerName = resourceName(config, 'rabbitmq');

    this.secret = new secretsmanager.Secret(this, 'BrokerSecret', {
      secretName: `genlake/${config.name}/rabbitmq`,
      description: `genlake ${config.name}: RabbitMQ user of the services`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'genlake' }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      },
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'No rotation function exists for RabbitMQ users (Amazon MQ or self-hosted); rotate by setting a new value and ' +
          'redeploying messaging and services. The broker is reachable only from the service security groups.',
      },
    ]);

    const amqpPort = this.mode === 'amazon-mq' ? 5671 : 5672;
    this.securityGroup = new ec2.SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: network.vpc,
      description: `RabbitMQ: AMQP ${amqpPort} from the service tasks only`,
      allowAllOutbound: this.mode === 'self-hosted',
    });
    for (const [name] of enabledServices(config)) {
      this.securityGroup.addIngressRule(network.serviceSecurityGroups[name], ec2.Port.tcp(amqpPort), `${name} tasks`);
    }

    if (this.mode === 'amazon-mq') {
      const m = config.messaging;
      const single = m.deploymentMode === 'SINGLE_INSTANCE';
      const broker = new amazonmq.CfnBroker(this, 'Broker', {
        brokerName: this.brokerName,
        engineType: 'RABBITMQ',
        engineVersion: m.engineVersion,
        hostInstanceType: m.instanceType,
        deploymentMode: m.deploymentMode,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        subnetIds: single
          ? [network.vpc.privateSubnets[0].subnetId]
          : network.vpc.privateSubnets.map((s) => s.subnetId),
        securityGroups: [this.securityGroup.securityGroupId],
        users: [
          {
            username: this.secret.secretValueFromJson('username').unsafeUnwrap(),
            password: this.secret.secretValueFromJson('password').unsafeUnwrap(),
          },
        ],
        logs: { general: true },
        maintenanceWindowStartTime: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
      });
      this.endpoint = Fn.select(0, broker.attrAmqpEndpoints);
      NagSuppressions.addResourceSuppressions(broker, [
        {
          id: 'AwsSolutions-MQ3',
          reason: single
            ? `Single-instance broker by configuration (${m.instanceType}); a Multi-AZ RabbitMQ cluster needs mq.m5/m7g ` +
              'instances (~$600/month). Messages are durable on EBS, publishers confirm, and the outbox republishes.'
            : 'Cluster deployment.',
        },
      ]);
    } else {
      this.endpoint = `amqp://rabbitmq.${network.namespace.namespaceName}:${amqpPort}`;
      this.selfHosted = this.selfHostedBroker(config, network);
    }
  }

  /** The queue-depth metric of a queue (Amazon MQ's `MessageCount`, or the sidecar's copy of it). */
  queueDepthMetric(queue: string, period = Duration.minutes(1)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.mode === 'amazon-mq' ? 'AWS/AmazonMQ' : SELF_HOSTED_METRICS_NAMESPACE,
      metricName: 'MessageCount',
      dimensionsMap: { Broker: this.brokerName, VirtualHost: '/', Queue: queue },
      statistic: 'Maximum',
      period,
    });
  }

  /**
   * Messages waiting in a worker's queues: the queue's metric for one queue; for several, their sum (a queue that
   * reports nothing in a minute counts as empty).
   */
  queueBacklogMetric(queues: readonly string[], period = Duration.minutes(1)): cloudwatch.IMetric {
    if (queues.length === 1) return this.queueDepthMetric(queues[0], period);
    const usingMetrics = Object.fromEntries(queues.map((q, i) => [`q${i}`, this.queueDepthMetric(q, period)]));
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics,
      label: `messages in ${queues.join(' + ')}`,
      period,
    });
  }

  private selfHostedBroker(config: EnvironmentConfig, network: NetworkStack) {
    const size = config.messaging.selfHosted;
    const cluster = new ecs.Cluster(this, 'BrokerCluster', {
      vpc: network.vpc,
      clusterName: resourceName(config, 'broker'),
      containerInsightsV2: config.observability.containerInsights
        ? ecs.ContainerInsights.ENABLED
        : ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: true,
    });

    const efsSecurityGroup = new ec2.SecurityGroup(this, 'BrokerStorageSecurityGroup', {
      vpc: network.vpc,
      description: 'EFS of the self-hosted RabbitMQ: NFS from the broker task only',
      allowAllOutbound: false,
    });
    efsSecurityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(2049), 'RabbitMQ task');
    this.securityGroup.addIngressRule(
      network.prometheusSecurityGroup,
      ec2.Port.tcp(RABBITMQ_PROMETHEUS_PORT),
      'Prometheus scrapes RabbitMQ',
    );

    const fileSystem = new efs.FileSystem(this, 'BrokerStorage', {
      vpc: network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: efsSecurityGroup,
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.BURSTING,
      enableAutomaticBackups: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // uid/gid 999: the rabbitmq user of the official (Debian) image
    const accessPoint = fileSystem.addAccessPoint('BrokerData', {
      path: '/rabbitmq',
      createAcl: { ownerUid: '999', ownerGid: '999', permissions: '750' },
      posixUser: { uid: '999', gid: '999' },
    });

    const logGroup = new logs.LogGroup(this, 'BrokerLogs', {
      logGroupName: `/genlake/${config.name}/rabbitmq`,
      retention: config.observability.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'BrokerTask', {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: {
        // the upstream images are multi-arch: the tasks follow the services' architecture
        cpuArchitecture: ecs.CpuArchitecture.of(config.delivery.cpuArchitecture),
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [
        {
          name: 'data',
          efsVolumeConfiguration: {
            fileSystemId: fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });
    fileSystem.grant(taskDefinition.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');
    const credentials = {
      RABBITMQ_DEFAULT_USER: ecs.Secret.fromSecretsManager(this.secret, 'username'),
      RABBITMQ_DEFAULT_PASS: ecs.Secret.fromSecretsManager(this.secret, 'password'),
    };
    const broker = taskDefinition.addContainer('rabbitmq', {
      image: ecs.ContainerImage.fromRegistry(size.image),
      essential: true,
      // a fixed node name: the data directory on EFS belongs to the node, whatever the task's host name
      environment: { RABBITMQ_NODENAME: 'rabbit@localhost' },
      secrets: credentials,
      portMappings: [
        { containerPort: 5672, name: 'amqp' },
        { containerPort: 15672, name: 'management' },
        { containerPort: RABBITMQ_PROMETHEUS_PORT, name: 'prometheus' },
      ],
      healthCheck: {
        command: ['CMD-SHELL', 'rabbitmq-diagnostics -q check_running'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: Duration.seconds(120),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'rabbitmq' }),
    });
    broker.addMountPoints({ containerPath: '/var/lib/rabbitmq', sourceVolume: 'data', readOnly: false });

    // Queue depths → CloudWatch every minute, as Amazon MQ would publish them (delay queues left out).
    const script = [
      'set -u',
      'while true; do',
      '  body=$(curl -sf -u "$RABBITMQ_USERNAME:$RABBITMQ_PASSWORD" "http://127.0.0.1:15672/api/queues/%2F?columns=name,messages") || { sleep 30; continue; }',
      '  data=""',
      `  for obj in $(printf '%s' "$body" | tr -d ' ' | tr '{' '\\n'); do`,
      `    q=$(printf '%s' "$obj" | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')`,
      `    n=$(printf '%s' "$obj" | sed -n 's/.*"messages":\\([0-9]*\\).*/\\1/p')`,
      '    case "$q" in ""|*.delay.*) continue;; esac',
      '    [ -n "$n" ] || continue',
      `    data="$data{\\"MetricName\\":\\"MessageCount\\",\\"Unit\\":\\"Count\\",\\"Value\\":$n,\\"Dimensions\\":[{\\"Name\\":\\"Broker\\",\\"Value\\":\\"$BROKER_NAME\\"},{\\"Name\\":\\"VirtualHost\\",\\"Value\\":\\"/\\"},{\\"Name\\":\\"Queue\\",\\"Value\\":\\"$q\\"}]},"`,
      '  done',
      `  [ -n "$data" ] && aws cloudwatch put-metric-data --namespace "$METRICS_NAMESPACE" --metric-data "[\${data%,}]" || true`,
      '  sleep 60',
      'done',
    ].join('\n');
    taskDefinition.addContainer('queue-metrics', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-cli/aws-cli:2.27.50'),
      essential: false,
      entryPoint: ['sh', '-c'],
      command: [script],
      environment: {
        BROKER_NAME: this.brokerName,
        METRICS_NAMESPACE: SELF_HOSTED_METRICS_NAMESPACE,
        AWS_REGION: config.region,
      },
      secrets: {
        RABBITMQ_USERNAME: ecs.Secret.fromSecretsManager(this.secret, 'username'),
        RABBITMQ_PASSWORD: ecs.Secret.fromSecretsManager(this.secret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'queue-metrics' }),
    });
    taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': SELF_HOSTED_METRICS_NAMESPACE } },
      }),
    );

    const service = new ecs.FargateService(this, 'BrokerService', {
      cluster,
      serviceName: 'rabbitmq',
      taskDefinition,
      desiredCount: 1,
      // one node owns the data directory: never two at once
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      capacityProviderStrategies: capacityProviderStrategies(size),
      cloudMapOptions: {
        cloudMapNamespace: network.namespace,
        name: 'rabbitmq',
        dnsTtl: Duration.seconds(10),
      },
      circuitBreaker: { rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    followWorkingHours(service, config.workingHours);

    NagSuppressions.addResourceSuppressions(
      taskDefinition,
      [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'Plain settings only (node name, broker name, metric namespace, region); credentials come from Secrets Manager.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the ' +
            'cloudwatch:namespace condition to Genlake/RabbitMQ.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    if (!config.observability.containerInsights) {
      NagSuppressions.addResourceSuppressions(cluster, [
        {
          id: 'AwsSolutions-ECS4',
          reason:
            'Container Insights is off by configuration (cost); broker CPU and memory alarms use the free AWS/ECS metrics.',
        },
      ]);
    }
    return { cluster, service, fileSystem };
  }
}

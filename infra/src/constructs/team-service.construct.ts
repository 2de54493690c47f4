import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { type AppSecretName, type EnvironmentConfig, resolveEnvironment, type ServiceConfig } from '../config';
import { capacityProviderStrategies, scaleToZeroOutsideWorkingHours } from './capacity';

/**
 * STORAGE_URL of a service without storage grants (the notifier): a directory on the task's own disk, so that the
 * kit's readiness check of the storage has nothing to reach that the task role would refuse.
 */
export const NO_STORAGE_URL = '/tmp/genlake/storage';

/** Longest Fargate stop timeout: SIGTERM → SIGKILL. In-flight messages and requests finish within it. */
export const STOP_TIMEOUT = Duration.seconds(120);

/**
 * How a task builds its connection URLs from the injected secret fields, then starts the service. Passwords are
 * generated without punctuation, so they need no escaping in a URL or in sed.
 */
export const START_COMMAND = [
  'export DATABASE_URL="postgres://$DATABASE_USERNAME:$DATABASE_PASSWORD@$DATABASE_HOST:$DATABASE_PORT/$DATABASE_NAME"',
  'export RABBITMQ_URL="$(printf \'%s\' "$RABBITMQ_ENDPOINT" | sed "s#://#://$RABBITMQ_USERNAME:$RABBITMQ_PASSWORD@#")"',
  'unset DATABASE_PASSWORD RABBITMQ_PASSWORD',
  'exec node "services/$SERVICE/dist/main.js"',
].join('\n');

export interface TeamServiceProps {
  readonly config: EnvironmentConfig;
  readonly name: string;
  readonly service: ServiceConfig;
  readonly cluster: ecs.ICluster;
  readonly repository: ecr.IRepository;
  readonly imageTag: string;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly namespace: servicediscovery.INamespace;
  readonly bucket: s3.IBucket;
  readonly storagePrefix: string;
  readonly bucketKey?: kms.IKey;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly database: { host: string; port: number; name: string };
  readonly brokerSecret: secretsmanager.ISecret;
  readonly brokerEndpoint: string;
  /** The platform's secrets by name; the service gets the ones its `secrets` ask for. */
  readonly appSecrets: Partial<Record<AppSecretName, secretsmanager.ISecret>>;
  /** `http` services: the target group the ALB forwards to. */
  readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /** `worker` services: the metric of the messages waiting in their queues, which scales them. */
  readonly queueDepth?: cloudwatch.IMetric;
}

/**
 * One team service on Fargate: its own task role holding only its storage grants, its log group, secrets injected
 * from Secrets Manager, graceful stop, registration in Cloud Map (Prometheus finds it) and its scaling — on ALB
 * requests per task for `http` services, step scaling on queue depth for workers.
 */
export class TeamService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly scaling: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, props: TeamServiceProps) {
    super(scope, id);
    const { config, name, service } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/genlake/${config.name}/${name}`,
      retention: config.observability.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const usesStorage = service.storage.read.length + service.storage.write.length > 0;
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `genlake ${config.name} ${name}: ${usesStorage ? 'its own storage prefixes only' : 'no permissions'}`,
    });
    for (const statement of storageStatements(props)) this.taskRole.addToPolicy(statement);

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `genlake-${config.name}-${name}`,
      cpu: service.cpu,
      memoryLimitMiB: service.memoryMiB,
      taskRole: this.taskRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.of(config.delivery.cpuArchitecture),
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const memoryForDuckdb = Math.floor(service.memoryMiB * 0.6);
    taskDefinition.addContainer(name, {
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      essential: true,
      entryPoint: ['sh', '-c'],
      command: [START_COMMAND],
      environment: {
        NODE_ENV: 'production',
        SERVICE: name,
        PORT: String(service.port),
        HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
        STORAGE_URL: usesStorage ? `s3://${props.bucket.bucketName}/${props.storagePrefix}` : NO_STORAGE_URL,
        S3_REGION: config.region,
        WORK_DIR: '/tmp/genlake',
        SHUTDOWN_TIMEOUT_MS: String(STOP_TIMEOUT.toMilliseconds() - 10_000),
        DATABASE_HOST: props.database.host,
        DATABASE_PORT: String(props.database.port),
        DATABASE_NAME: props.database.name,
        DATABASE_POOL_MAX: String(config.database.poolMax),
        MIGRATE_ON_START: 'true',
        // TLS to RDS (rds.force_ssl=1) without CA pinning: postgres.js reads PGSSL, node-pg-migrate (pg) PGSSLMODE
        PGSSL: 'require',
        PGSSLMODE: 'no-verify',
        RABBITMQ_ENDPOINT: props.brokerEndpoint,
        DUCKDB_THREADS: String(Math.max(1, Math.round(service.cpu / 1024))),
        DUCKDB_MEMORY_LIMIT: `${memoryForDuckdb}MB`,
        ...resolveEnvironment(service.environment, config),
      },
      secrets: {
        DATABASE_USERNAME: ecs.Secret.fromSecretsManager(props.databaseSecret, 'username'),
        DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(props.databaseSecret, 'password'),
        RABBITMQ_USERNAME: ecs.Secret.fromSecretsManager(props.brokerSecret, 'username'),
        RABBITMQ_PASSWORD: ecs.Secret.fromSecretsManager(props.brokerSecret, 'password'),
        ...Object.fromEntries(
          Object.entries(service.secrets).map(([variable, ref]) => {
            const secret = props.appSecrets[ref.secret];
            if (!secret)
              throw new Error(`${name}: ${variable} needs the secret ${ref.secret}, which the platform lacks`);
            return [variable, ecs.Secret.fromSecretsManager(secret, ref.field)];
          }),
        ),
      },
      portMappings: [{ containerPort: service.port, name: 'http' }],
      healthCheck: {
        command: [
          'CMD-SHELL',
          `node -e "fetch('http://127.0.0.1:${service.port}/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(90),
      },
      stopTimeout: STOP_TIMEOUT,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: name }),
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      serviceName: name,
      taskDefinition,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      assignPublicIp: false,
      capacityProviderStrategies: capacityProviderStrategies(service),
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: props.targetGroup ? Duration.seconds(90) : undefined,
      cloudMapOptions: {
        cloudMapNamespace: props.namespace,
        name,
        dnsTtl: Duration.seconds(10),
      },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: service.minTasks, maxCapacity: service.maxTasks });
    if (props.config.workingHours) {
      scaleToZeroOutsideWorkingHours(this.scaling, props.config.workingHours, {
        min: service.minTasks,
        max: service.maxTasks,
      });
    }
    if (props.targetGroup) {
      this.service.attachToApplicationTargetGroup(props.targetGroup);
      this.scaling.scaleOnRequestCount('RequestsPerTask', {
        targetGroup: props.targetGroup,
        requestsPerTarget: service.scaleTarget,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
      this.scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: 70,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    }
    if (props.queueDepth) this.scaleOnQueueDepth(props.queueDepth, service);

    const ownPrefixes = [...service.storage.read, ...service.storage.write].map((p) => `${props.storagePrefix}/${p}*`);
    if (ownPrefixes.length > 0) {
      NagSuppressions.addResourceSuppressions(
        this.taskRole,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              `Object ARNs end in this service's own key prefixes (${ownPrefixes.join(', ')}): the task may read or write ` +
              'objects below them and nothing else in the bucket; object keys are not known in advance.',
            appliesTo: ownPrefixes.map((p) => ({ regex: `/^Resource::<[A-Za-z0-9]+\\.Arn>\\/${escapeRegex(p)}$/` })),
          },
        ],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(
      taskDefinition,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Execution role: ecr:GetAuthorizationToken has no resource-level permissions (pulls are repository-scoped).',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'Only non-secret settings are plain environment variables (ports, host names, URLs, sizes), versioned ' +
            'with the task definition; passwords, keys and tokens come from Secrets Manager as ECS secrets.',
        },
      ],
      true,
    );
  }
  /**
   * Step scaling on the queue's depth (ready + unacknowledged messages). While messages wait, the task count follows
   * the backlog: `ceil(messages / scaleTarget)` tasks within [minTasks, maxTasks] (EXACT_CAPACITY steps, re-applied
   * every minute the alarm stays in ALARM). After 3 minutes of an empty queue: minTasks (possibly 0). A worker at 0
   * tasks starts within ~2 minutes of the first message (1-minute metric + Fargate start).
   */
  private scaleOnQueueDepth(metric: cloudwatch.IMetric, service: ServiceConfig): void {
    const target = this.scaling.node.findChild('Target') as appscaling.ScalableTarget;
    const backlog = new appscaling.StepScalingAction(this, 'QueueBacklogScaling', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
    });
    // bounds are relative to the alarm threshold (1 message): k tasks for 1 + (k-1)·t ≤ messages < 1 + k·t
    const steps = Math.min(service.maxTasks, 20);
    for (let k = 1; k <= steps; k++) {
      backlog.addAdjustment({
        adjustment: k,
        lowerBound: (k - 1) * service.scaleTarget,
        upperBound: k === steps ? undefined : k * service.scaleTarget,
      });
    }
    new cloudwatch.Alarm(this, 'QueueBacklogAlarm', {
      alarmDescription: `Scaling of ${this.service.serviceName}: messages waiting in its queue`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.ApplicationScalingAction(backlog));

    const empty = new appscaling.StepScalingAction(this, 'QueueEmptyScaling', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
    });
    empty.addAdjustment({ adjustment: service.minTasks, upperBound: 0 });
    new cloudwatch.Alarm(this, 'QueueEmptyAlarm', {
      alarmDescription: `Scaling of ${this.service.serviceName}: its queue has been empty for 3 minutes`,
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.ApplicationScalingAction(empty));
  }
}

/** The S3 (and KMS) permissions of a service: its read and write prefixes, nothing else. */
export function storageStatements(props: {
  bucket: s3.IBucket;
  storagePrefix: string;
  bucketKey?: kms.IKey;
  service: ServiceConfig;
}): iam.PolicyStatement[] {
  const { bucket, storagePrefix, bucketKey, service } = props;
  const objects = (prefixes: string[]) => prefixes.map((p) => bucket.arnForObjects(`${storagePrefix}/${p}*`));
  const statements: iam.PolicyStatement[] = [];
  const { read, write } = service.storage;
  if (read.length > 0) {
    statements.push(
      new iam.PolicyStatement({ sid: 'ReadOwnPrefixes', actions: ['s3:GetObject'], resources: objects(read) }),
    );
  }
  if (write.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'WriteOwnPrefixes',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: objects(write),
      }),
    );
  }
  if (read.length + write.length > 0) {
    // HeadBucket (readiness) is authorized by s3:ListBucket and has no prefix: hence "IfExists"
    statements.push(
      new iam.PolicyStatement({
        sid: 'ListOwnPrefixes',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLikeIfExists: { 's3:prefix': [...read, ...write].map((p) => `${storagePrefix}/${p}*`) } },
      }),
    );
    if (bucketKey) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'LakeKey',
          actions: write.length > 0 ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
          resources: [bucketKey.keyArn],
        }),
      );
    }
  }
  return statements;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

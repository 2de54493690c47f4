import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as grafana from 'aws-cdk-lib/aws-grafana';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { enabledServices, resourceName } from '../genlake.naming';
import { GRAFANA_PORT, PROMETHEUS_PORT } from '../stacks/network.stack';
import { capacityProviderStrategies, followWorkingHours } from './capacity';

/** CloudWatch and Logs read actions Grafana's CloudWatch data source needs (no resource-level permissions exist). */
const CLOUDWATCH_READ = [
  'cloudwatch:DescribeAlarmsForMetric',
  'cloudwatch:DescribeAlarmHistory',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:ListMetrics',
  'cloudwatch:GetMetricData',
  'cloudwatch:GetInsightRuleReport',
  'logs:DescribeLogGroups',
  'logs:GetLogGroupFields',
  'logs:StartQuery',
  'logs:StopQuery',
  'logs:GetQueryResults',
  'logs:GetLogEvents',
  'ec2:DescribeTags',
  'ec2:DescribeInstances',
  'ec2:DescribeRegions',
  'tag:GetResources',
];

export interface PrometheusGrafanaProps {
  readonly config: EnvironmentConfig;
  readonly cluster: ecs.ICluster;
  readonly namespace: servicediscovery.INamespace;
  readonly prometheusSecurityGroup: ec2.ISecurityGroup;
  readonly grafanaSecurityGroup: ec2.ISecurityGroup;
  /** Extra scrape targets: `{ job, host, port }` (the self-hosted RabbitMQ). */
  readonly extraTargets: { job: string; host: string; port: number }[];
  /** Self-hosted Grafana: the HTTPS listener and the header check of the ALB. */
  readonly listener: elbv2.IApplicationListener;
  readonly originHeader: { name: string; value: string };
  readonly vpc: ec2.IVpc;
  /** Dashboards built by CI (dashboards/) are synced from here when Grafana starts. */
  readonly dashboards: { bucket: s3.IBucket; prefix: string; key?: kms.IKey };
}

/**
 * Prometheus and Grafana. `self-hosted`: Prometheus (15 days of local TSDB, scraping every service through Cloud
 * Map DNS) and Grafana (behind the ALB at /grafana/, data sources Prometheus and CloudWatch, dashboards from S3) as
 * two small Fargate tasks. `managed`: Prometheus runs in agent mode and remote-writes to Amazon Managed Prometheus;
 * dashboards live in Amazon Managed Grafana.
 */
export class PrometheusGrafana extends Construct {
  readonly prometheusService: ecs.FargateService;
  readonly grafanaService?: ecs.FargateService;
  readonly workspace?: aps.CfnWorkspace;

  constructor(scope: Construct, id: string, props: PrometheusGrafanaProps) {
    super(scope, id);
    const { config } = props;
    const obs = config.observability;
    const managed = obs.mode === 'managed';
    const namespaceName = props.namespace.namespaceName;

    if (managed) {
      this.workspace = new aps.CfnWorkspace(this, 'ManagedPrometheus', { alias: resourceName(config, 'metrics') });
    }

    // ---- Prometheus ----
    const scrapeConfigs = [
      ...enabledServices(config).map(([name, s]) => ({
        job_name: name,
        metrics_path: '/metrics',
        dns_sd_configs: [{ names: [`${name}.${namespaceName}`], type: 'A', port: s.port, refresh_interval: '30s' }],
      })),
      ...props.extraTargets.map((t) => ({
        job_name: t.job,
        metrics_path: '/metrics',
        dns_sd_configs: [{ names: [t.host], type: 'A', port: t.port, refresh_interval: '30s' }],
      })),
    ];
    const prometheusConfig = {
      global: { scrape_interval: '30s', evaluation_interval: '30s', external_labels: { environment: config.name } },
      scrape_configs: scrapeConfigs,
      ...(this.workspace
        ? {
            remote_write: [
              {
                url: `${this.workspace.attrPrometheusEndpoint}api/v1/remote_write`,
                sigv4: { region: config.region },
              },
            ],
          }
        : {}),
    };
    const flags = managed
      ? '--agent --storage.agent.path=/prometheus'
      : `--storage.tsdb.path=/prometheus --storage.tsdb.retention.time=${obs.prometheus.retentionDays}d`;

    const prometheusLogs = new logs.LogGroup(this, 'PrometheusLogs', {
      logGroupName: `/genlake/${config.name}/prometheus`,
      retention: obs.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const prometheusTask = new ecs.FargateTaskDefinition(this, 'PrometheusTask', {
      family: resourceName(config, 'prometheus'),
      cpu: obs.prometheus.cpu,
      memoryLimitMiB: obs.prometheus.memoryMiB,
      runtimePlatform: {
        // the upstream images are multi-arch: the tasks follow the services' architecture
        cpuArchitecture: ecs.CpuArchitecture.of(config.delivery.cpuArchitecture),
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    prometheusTask.addContainer('prometheus', {
      image: ecs.ContainerImage.fromRegistry(obs.prometheus.image),
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      // the configuration is JSON (valid YAML), generated here from the service list
      command: [
        `printf '%s' "$PROMETHEUS_CONFIG" > /prometheus/prometheus.yml && exec /bin/prometheus ` +
          `--config.file=/prometheus/prometheus.yml ${flags} --web.listen-address=:${PROMETHEUS_PORT}`,
      ],
      environment: { PROMETHEUS_CONFIG: JSON.stringify(prometheusConfig) },
      portMappings: [{ containerPort: PROMETHEUS_PORT, name: 'http' }],
      healthCheck: {
        command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${PROMETHEUS_PORT}/-/healthy || exit 1`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup: prometheusLogs, streamPrefix: 'prometheus' }),
    });
    if (this.workspace) {
      prometheusTask.addToTaskRolePolicy(
        new iam.PolicyStatement({ actions: ['aps:RemoteWrite'], resources: [this.workspace.attrArn] }),
      );
    }
    this.prometheusService = new ecs.FargateService(this, 'Prometheus', {
      cluster: props.cluster,
      serviceName: 'prometheus',
      taskDefinition: prometheusTask,
      desiredCount: 1,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.prometheusSecurityGroup],
      capacityProviderStrategies: capacityProviderStrategies(obs.prometheus),
      cloudMapOptions: { cloudMapNamespace: props.namespace, name: 'prometheus', dnsTtl: Duration.seconds(10) },
      circuitBreaker: { rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    followWorkingHours(this.prometheusService, config.workingHours);
    NagSuppressions.addResourceSuppressions(
      prometheusTask,
      [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'The only environment variable is the generated Prometheus configuration (scrape targets), no secret.',
        },
      ],
      true,
    );

    if (managed) {
      this.managedGrafana(config);
      return;
    }

    // ---- Grafana (self-hosted) ----
    const adminSecret = new secretsmanager.Secret(this, 'GrafanaAdminSecret', {
      secretName: `genlake/${config.name}/grafana-admin`,
      description: `genlake ${config.name}: password of the Grafana user "admin"`,
      generateSecretString: { passwordLength: 24, excludePunctuation: true },
    });
    NagSuppressions.addResourceSuppressions(adminSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Grafana reads GF_SECURITY_ADMIN_PASSWORD only when its database is first created; a rotated secret would not ' +
          'change the password. Change it in Grafana and update the secret.',
      },
    ]);
    const grafanaLogs = new logs.LogGroup(this, 'GrafanaLogs', {
      logGroupName: `/genlake/${config.name}/grafana`,
      retention: obs.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const grafanaTask = new ecs.FargateTaskDefinition(this, 'GrafanaTask', {
      family: resourceName(config, 'grafana'),
      cpu: obs.grafana.cpu,
      memoryLimitMiB: obs.grafana.memoryMiB,
      runtimePlatform: {
        // the upstream images are multi-arch: the tasks follow the services' architecture
        cpuArchitecture: ecs.CpuArchitecture.of(config.delivery.cpuArchitecture),
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [{ name: 'dashboards' }],
    });
    grafanaTask.addToTaskRolePolicy(new iam.PolicyStatement({ actions: CLOUDWATCH_READ, resources: ['*'] }));
    const { bucket, prefix, key } = props.dashboards;
    grafanaTask.addToTaskRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    grafanaTask.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    if (key)
      grafanaTask.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));

    const sync = grafanaTask.addContainer('dashboards', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-cli/aws-cli:2.27.50'),
      essential: false,
      command: ['s3', 'sync', '--no-progress', `s3://${bucket.bucketName}/${prefix}`, '/dashboards/'],
      logging: ecs.LogDrivers.awsLogs({ logGroup: grafanaLogs, streamPrefix: 'dashboards' }),
    });
    sync.addMountPoints({ containerPath: '/dashboards', sourceVolume: 'dashboards', readOnly: false });

    const datasources = {
      apiVersion: 1,
      datasources: [
        {
          name: 'Prometheus',
          uid: 'prometheus',
          type: 'prometheus',
          access: 'proxy',
          url: `http://prometheus.${namespaceName}:${PROMETHEUS_PORT}`,
          isDefault: true,
        },
        {
          name: 'CloudWatch',
          uid: 'cloudwatch',
          type: 'cloudwatch',
          jsonData: { authType: 'default', defaultRegion: config.region },
        },
      ],
    };
    const providers = {
      apiVersion: 1,
      providers: [
        {
          name: 'genlake',
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: '/dashboards', foldersFromFilesStructure: true },
        },
      ],
    };
    const grafanaContainer = grafanaTask.addContainer('grafana', {
      image: ecs.ContainerImage.fromRegistry(obs.grafana.image),
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      command: [
        [
          'mkdir -p /tmp/provisioning/datasources /tmp/provisioning/dashboards /tmp/provisioning/plugins /tmp/provisioning/alerting',
          'printf \'%s\' "$GRAFANA_DATASOURCES" > /tmp/provisioning/datasources/genlake.yaml',
          'printf \'%s\' "$GRAFANA_DASHBOARD_PROVIDERS" > /tmp/provisioning/dashboards/genlake.yaml',
          'exec /run.sh',
        ].join(' && '),
      ],
      environment: {
        GF_SERVER_ROOT_URL: `https://${config.domain.name}/grafana/`,
        GF_SERVER_SERVE_FROM_SUB_PATH: 'true',
        GF_PATHS_PROVISIONING: '/tmp/provisioning',
        GF_SECURITY_ADMIN_USER: 'admin',
        GF_SECURITY_COOKIE_SECURE: 'true',
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
        AWS_REGION: config.region,
        GRAFANA_DATASOURCES: JSON.stringify(datasources),
        GRAFANA_DASHBOARD_PROVIDERS: JSON.stringify(providers),
      },
      secrets: { GF_SECURITY_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(adminSecret) },
      portMappings: [{ containerPort: GRAFANA_PORT, name: 'http' }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: grafanaLogs, streamPrefix: 'grafana' }),
      stopTimeout: Duration.seconds(30),
    });
    grafanaContainer.addMountPoints({ containerPath: '/dashboards', sourceVolume: 'dashboards', readOnly: true });
    grafanaContainer.addContainerDependencies({
      container: sync,
      condition: ecs.ContainerDependencyCondition.COMPLETE,
    });

    this.grafanaService = new ecs.FargateService(this, 'Grafana', {
      cluster: props.cluster,
      serviceName: 'grafana',
      taskDefinition: grafanaTask,
      desiredCount: 1,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.grafanaSecurityGroup],
      capacityProviderStrategies: capacityProviderStrategies(obs.grafana),
      healthCheckGracePeriod: Duration.seconds(120),
      circuitBreaker: { rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    followWorkingHours(this.grafanaService, config.workingHours);
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'GrafanaTargets', {
      vpc: props.vpc,
      port: GRAFANA_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(10),
      healthCheck: { path: '/grafana/api/health', interval: Duration.seconds(30), healthyHttpCodes: '200' },
    });
    this.grafanaService.attachToApplicationTargetGroup(targetGroup);
    new elbv2.ApplicationListenerRule(this, 'GrafanaRule', {
      listener: props.listener,
      priority: 5,
      conditions: [
        elbv2.ListenerCondition.pathPatterns(['/grafana', '/grafana/*']),
        elbv2.ListenerCondition.httpHeader(props.originHeader.name, [props.originHeader.value]),
      ],
      action: elbv2.ListenerAction.forward([targetGroup]),
    });
    NagSuppressions.addResourceSuppressions(
      grafanaTask,
      [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'Plain Grafana settings and generated provisioning files (data source URLs, no credentials); the admin ' +
            'password comes from Secrets Manager.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Grafana's CloudWatch data source: CloudWatch/Logs read and discovery actions have no resource-level " +
            'permissions; the S3 wildcard is the dashboards prefix only.',
          appliesTo: ['Resource::*', { regex: `/^Resource::.*\\/${prefix.replaceAll('/', '\\/')}\\*$/` }],
        },
      ],
      true,
    );
  }

  private managedGrafana(config: EnvironmentConfig): void {
    const role = new iam.Role(this, 'ManagedGrafanaRole', {
      assumedBy: new iam.ServicePrincipal('grafana.amazonaws.com'),
      description: 'Amazon Managed Grafana: read Amazon Managed Prometheus and CloudWatch',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: CLOUDWATCH_READ, resources: ['*'] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'aps:QueryMetrics',
          'aps:GetSeries',
          'aps:GetLabels',
          'aps:GetMetricMetadata',
          'aps:DescribeWorkspace',
        ],
        resources: [this.workspace!.attrArn],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['aps:ListWorkspaces'], resources: ['*'] }));
    new grafana.CfnWorkspace(this, 'ManagedGrafana', {
      name: resourceName(config, 'grafana'),
      description: `genlake ${config.name} dashboards`,
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: ['AWS_SSO'],
      permissionType: 'SERVICE_MANAGED',
      roleArn: role.roleArn,
      dataSources: ['PROMETHEUS', 'CLOUDWATCH'],
    });
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'CloudWatch/Logs read, discovery and aps:ListWorkspaces have no resource-level permissions.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}

import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { AppSecretName, EnvironmentConfig } from '../config';
import { TeamService } from '../constructs/team-service.construct';
import { enabledServices, pascal, queuesOf, resourceName } from '../genlake.naming';
import { DATABASE_PORT, type DataStack } from './data.stack';
import type { DeliveryStack } from './delivery.stack';
import type { GlobalStack } from './global.stack';
import type { LakeStack } from './lake.stack';
import type { MessagingStack } from './messaging.stack';
import type { NetworkStack } from './network.stack';
import type { NotificationsStack } from './notifications.stack';

/** Header CloudFront adds to every origin request; the ALB forwards only requests that carry its secret value. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

export interface ServicesStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly lake: LakeStack;
  readonly messaging: MessagingStack;
  readonly delivery: DeliveryStack;
  readonly global: GlobalStack;
  readonly notifications: NotificationsStack;
  /** Image tag to run (CDK context `imageTag` overrides the configuration). */
  readonly imageTag: string;
}

/**
 * The ECS cluster and one Fargate service per team service; the ALB (HTTPS on `origin.<domain>`, reachable only from
 * CloudFront: the origin-facing prefix list plus a secret header); and the restart of the services after the
 * database credentials rotate (the tasks read the secret when they start).
 */
export class ServicesStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly originSecret: secretsmanager.Secret;
  /** The gateway's HS256 access-token key (AUTH_JWT_SECRET). */
  readonly jwtSecret: secretsmanager.Secret;
  readonly originDomain: string;
  readonly services: Record<string, TeamService> = {};
  readonly targetGroups: Record<string, elbv2.ApplicationTargetGroup> = {};

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { config, network, data, lake, messaging, delivery, global, notifications } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      clusterName: resourceName(config, 'services'),
      containerInsightsV2: config.observability.containerInsights
        ? ecs.ContainerInsights.ENABLED
        : ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: true,
    });

    // Security groups (and every rule between them) belong to the network stack; imported immutable here so that
    // the ALB and the services add no rules of their own.
    const immutable = (id: string, sg: ec2.ISecurityGroup) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, id, sg.securityGroupId, { mutable: false });

    this.originSecret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      secretName: `genlake/${config.name}/origin-verify`,
      description: `genlake ${config.name}: value of ${ORIGIN_VERIFY_HEADER}, shared by CloudFront and the ALB`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const originSecretValue = this.originSecret.secretValue.unsafeUnwrap();

    // Generated once by CloudFormation: 64 letters and digits (~380 bits; the gateway needs >= 32 bytes). Rotation
    // is a new value and a rolling restart of the gateway (docs/security.md); never change these options, or
    // CloudFormation generates a new key by itself.
    this.jwtSecret = new secretsmanager.Secret(this, 'AuthJwtSecret', {
      secretName: `genlake/${config.name}/auth-jwt`,
      description: `genlake ${config.name}: HS256 key the gateway signs access tokens with (AUTH_JWT_SECRET)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const appSecrets: Record<AppSecretName, secretsmanager.ISecret> = {
      'auth-jwt': this.jwtSecret,
      'crm-token': notifications.crmTokenSecret,
      smtp: notifications.smtpSecret,
    };

    this.originDomain = `origin.${config.domain.name}`;
    const certificate = config.domain.originCertificateArn
      ? acm.Certificate.fromCertificateArn(this, 'OriginCertificate', config.domain.originCertificateArn)
      : new acm.Certificate(this, 'OriginCertificate', {
          domainName: this.originDomain,
          validation: acm.CertificateValidation.fromDns(global.zone),
        });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: network.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: immutable('AlbSecurityGroup', network.albSecurityGroup),
      dropInvalidHeaderFields: true,
      deletionProtection: config.terminationProtection,
      idleTimeout: Duration.seconds(120),
      http2Enabled: true,
    });
    this.loadBalancer.logAccessLogs(network.logBucket, 'alb');
    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'forbidden' }),
    });
    new route53.ARecord(this, 'OriginRecord', {
      zone: global.zone,
      recordName: this.originDomain,
      target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)),
    });

    const imageTag = props.imageTag;
    let priority = 10;
    for (const [name, service] of enabledServices(config)) {
      const id = pascal(name);
      let targetGroup: elbv2.ApplicationTargetGroup | undefined;
      if (service.kind === 'http') {
        targetGroup = new elbv2.ApplicationTargetGroup(this, `${id}Targets`, {
          vpc: network.vpc,
          port: service.port,
          protocol: elbv2.ApplicationProtocol.HTTP,
          targetType: elbv2.TargetType.IP,
          // in-flight requests (uploads, server-sent events) get this long after a task starts draining
          deregistrationDelay: Duration.seconds(60),
          healthCheck: {
            path: '/health/ready',
            interval: Duration.seconds(15),
            timeout: Duration.seconds(5),
            healthyThresholdCount: 2,
            unhealthyThresholdCount: 3,
            healthyHttpCodes: '200',
          },
        });
        new elbv2.ApplicationListenerRule(this, `${id}Rule`, {
          listener: this.listener,
          priority: priority++,
          conditions: [
            elbv2.ListenerCondition.pathPatterns(service.pathPatterns),
            elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [originSecretValue]),
          ],
          action: elbv2.ListenerAction.forward([targetGroup]),
        });
        this.targetGroups[name] = targetGroup;
      }
      this.services[name] = new TeamService(this, id, {
        config,
        name,
        service,
        cluster: this.cluster,
        repository: delivery.repositories[name],
        imageTag,
        securityGroup: immutable(`${id}SecurityGroup`, network.serviceSecurityGroups[name]),
        namespace: network.namespace,
        bucket: lake.bucket,
        storagePrefix: lake.prefix,
        bucketKey: lake.key,
        databaseSecret: data.secret,
        database: { host: data.hostname, port: DATABASE_PORT, name: data.databaseName },
        brokerSecret: messaging.secret,
        brokerEndpoint: messaging.endpoint,
        appSecrets,
        targetGroup,
        queueDepth: service.queue ? messaging.queueBacklogMetric(queuesOf(service)) : undefined,
      });
    }

    this.restartAfterRotation(config, data);

    NagSuppressions.addResourceSuppressions(this.jwtSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'One HS256 key, read by the gateway when a task starts: rotating it is a new value plus a rolling restart ' +
          '(docs/security.md). Access tokens live 15 minutes and refresh tokens are opaque database tokens, so a ' +
          'rotation costs users at most one refresh.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.originSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'A shared header value, not a credential to data: rotating it needs CloudFront and the ALB rule updated ' +
          'together, so it is rotated by redeploying (set a new value, deploy services and edge).',
      },
    ]);
    if (!config.observability.containerInsights) {
      NagSuppressions.addResourceSuppressions(this.cluster, [
        {
          id: 'AwsSolutions-ECS4',
          reason:
            'Container Insights is off by configuration (about $10-20/month for this cluster); service CPU/memory come ' +
            'from the free AWS/ECS metrics and application metrics from Prometheus.',
        },
      ]);
    }
  }

  /**
   * Tasks read the database password when they start. After a rotation, a small function forces a new deployment of
   * every service (rolling, no downtime), so new connections use the new password.
   */
  private restartAfterRotation(config: EnvironmentConfig, data: DataStack): void {
    const logGroup = new logs.LogGroup(this, 'RestartAfterRotationLogs', {
      logGroupName: `/genlake/${config.name}/restart-after-rotation`,
      retention: config.observability.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'RestartAfterRotationRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Forces a new deployment of the genlake services after the database credentials rotate',
    });
    logGroup.grantWrite(role);
    const serviceNames = Object.values(this.services).map((s) => s.service.serviceName);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:UpdateService'],
        resources: Object.values(this.services).map((s) => s.service.serviceArn),
      }),
    );
    const fn = new lambda.Function(this, 'RestartAfterRotation', {
      functionName: resourceName(config, 'restart-after-rotation'),
      description: 'Rolling restart of the services after the database password rotated',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      role,
      logGroup,
      timeout: Duration.seconds(30),
      memorySize: 128,
      environment: { CLUSTER: this.cluster.clusterName, SERVICES: JSON.stringify(serviceNames) },
      code: lambda.Code.fromInline(
        [
          "const { ECSClient, UpdateServiceCommand } = require('@aws-sdk/client-ecs');",
          'const ecs = new ECSClient({});',
          'exports.handler = async () => {',
          '  for (const service of JSON.parse(process.env.SERVICES)) {',
          '    await ecs.send(new UpdateServiceCommand({ cluster: process.env.CLUSTER, service, forceNewDeployment: true }));',
          "    console.log(JSON.stringify({ msg: 'restarted', service }));",
          '  }',
          '};',
        ].join('\n'),
      ),
    });
    new events.Rule(this, 'DatabaseRotated', {
      description: 'The database secret rotated: restart the services',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventName: ['RotationSucceeded'], additionalEventData: { SecretId: [data.secret.secretArn] } },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 4 })],
    });
  }
}

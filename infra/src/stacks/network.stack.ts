import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { CLOUDFRONT_PREFIX_LISTS, type EnvironmentConfig } from '../config';
import { StopOutsideWorkingHours } from '../constructs/capacity';
import { enabledServices, pascal } from '../genlake.naming';

/** Port of the self-hosted Prometheus and of Grafana. */
export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The VPC (two AZs; public subnets for the ALB and NAT, private subnets with egress for tasks, isolated subnets for
 * the database), NAT by config, flow logs, the S3 gateway endpoint, the central access-log bucket, the Cloud Map
 * namespace tasks register in, and every security group of the platform with the rules between them — the firewall
 * in one place.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly logBucket: s3.Bucket;
  readonly namespace: servicediscovery.PrivateDnsNamespace;
  readonly albSecurityGroup: ec2.SecurityGroup;
  readonly serviceSecurityGroups: Record<string, ec2.SecurityGroup> = {};
  readonly prometheusSecurityGroup: ec2.SecurityGroup;
  readonly grafanaSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Access logs of S3, the ALB and CloudFront, and VPC flow logs. SSE-S3: ALB log delivery does not support KMS.
    // ACLs stay enabled (BucketOwnerPreferred) because CloudFront standard logging writes with an ACL grant.
    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: false,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(config.network.logRetentionDays) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.logBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log bucket itself; logging it into itself would loop and another bucket adds cost.',
      },
    ]);

    const natInstance =
      config.network.natMode === 'instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: new ec2.InstanceType(config.network.natInstanceType),
            machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
          })
        : undefined;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.network.cidr),
      // explicit AZs: no context lookup, so synth needs no AWS credentials
      availabilityZones: [`${config.region}a`, `${config.region}b`],
      natGateways: config.network.natCount,
      natGatewayProvider: natInstance ?? ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // lake traffic (Parquet, uploads, Athena results) never crosses NAT and costs nothing
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });
    this.vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toS3(this.logBucket, 'vpc-flow-logs/'),
      trafficType: ec2.FlowLogTrafficType[config.network.flowLogTraffic],
    });

    if (natInstance) {
      natInstance.connections.allowFrom(ec2.Peer.ipv4(this.vpc.vpcCidrBlock), ec2.Port.allTraffic(), 'VPC egress');
      NagSuppressions.addResourceSuppressions(natInstance.securityGroup, [
        {
          id: 'CdkNagValidationFailure',
          reason:
            'AwsSolutions-EC23 cannot evaluate the VPC CIDR token: the NAT instance admits traffic from the VPC CIDR ' +
            'only (it forwards the private subnets), never from 0.0.0.0/0.',
        },
      ]);
      natInstance.configuredGateways.forEach((gateway, i) => {
        // EC2 auto-recovery: a failed host moves the NAT instance (same id, IP and routes) to healthy hardware
        new cloudwatch.Alarm(this, `NatInstanceRecovery${i}`, {
          alarmDescription: `Recover the NAT instance in ${gateway.az} when its host fails`,
          metric: new cloudwatch.Metric({
            namespace: 'AWS/EC2',
            metricName: 'StatusCheckFailed_System',
            dimensionsMap: { InstanceId: gateway.gatewayId },
            statistic: 'Maximum',
            period: Duration.minutes(1),
          }),
          threshold: 1,
          evaluationPeriods: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        }).addAlarmAction(new cwActions.Ec2Action(cwActions.Ec2InstanceAction.RECOVER));
      });
      if (config.workingHours) {
        // development: no task needs egress at night (they are scaled to 0); a stopped instance has no public IPv4
        // to pay for, and gets a new one (same routes, same id) when it starts
        new StopOutsideWorkingHours(this, 'NatWorkingHours', config.workingHours, {
          kind: 'ec2',
          ids: natInstance.configuredGateways.map((g) => g.gatewayId),
          arns: natInstance.configuredGateways.map((g) =>
            Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: g.gatewayId }),
          ),
        });
      }
      // the only EC2 instances under the VPC are the NAT instances
      NagSuppressions.addResourceSuppressions(
        this.vpc,
        [
          {
            id: 'AwsSolutions-EC26',
            reason: 'The NAT instance has only its root volume, which holds no data (AL2023 image, routing only).',
          },
          {
            id: 'AwsSolutions-EC28',
            reason: 'Basic 5-minute monitoring is enough for a NAT instance; detailed monitoring costs per metric.',
          },
          {
            id: 'AwsSolutions-EC29',
            reason:
              'The NAT instance is replaceable (no data, routes recreated by the stack); EC2 auto-recovery covers host failures.',
          },
        ],
        true,
      );
    }

    this.namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      name: 'genlake.local',
      vpc: this.vpc,
      description: `genlake ${config.name}: tasks register here (Prometheus scrapes them, services find RabbitMQ)`,
    });

    // ---- security groups: who may talk to whom ----
    const prefixList = config.network.cloudFrontPrefixListId ?? CLOUDFRONT_PREFIX_LISTS[config.region];
    this.albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: this.vpc,
      description: 'ALB: HTTPS from CloudFront origin-facing addresses only',
      allowAllOutbound: false,
    });
    this.albSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(prefixList),
      ec2.Port.tcp(443),
      'CloudFront origin-facing',
    );

    this.prometheusSecurityGroup = new ec2.SecurityGroup(this, 'PrometheusSecurityGroup', {
      vpc: this.vpc,
      description: 'Prometheus: scrapes the services, remote-writes when managed',
      allowAllOutbound: true,
    });
    this.grafanaSecurityGroup = new ec2.SecurityGroup(this, 'GrafanaSecurityGroup', {
      vpc: this.vpc,
      description: 'Grafana: reached through the ALB, reads Prometheus and CloudWatch',
      allowAllOutbound: true,
    });
    this.grafanaSecurityGroup.addIngressRule(this.albSecurityGroup, ec2.Port.tcp(GRAFANA_PORT), 'ALB to Grafana');
    this.albSecurityGroup.addEgressRule(this.grafanaSecurityGroup, ec2.Port.tcp(GRAFANA_PORT), 'ALB to Grafana');
    this.prometheusSecurityGroup.addIngressRule(
      this.grafanaSecurityGroup,
      ec2.Port.tcp(PROMETHEUS_PORT),
      'Grafana queries Prometheus',
    );

    for (const [name, service] of enabledServices(config)) {
      const sg = new ec2.SecurityGroup(this, `${pascal(name)}SecurityGroup`, {
        vpc: this.vpc,
        description: `${name} tasks`,
        // tasks reach RDS, RabbitMQ, S3 (gateway endpoint) and AWS APIs / image registries through NAT
        allowAllOutbound: true,
      });
      sg.addIngressRule(this.prometheusSecurityGroup, ec2.Port.tcp(service.port), 'Prometheus scrapes /metrics');
      if (service.kind === 'http') {
        sg.addIngressRule(this.albSecurityGroup, ec2.Port.tcp(service.port), 'ALB to the API');
        this.albSecurityGroup.addEgressRule(sg, ec2.Port.tcp(service.port), `ALB to ${name}`);
      }
      this.serviceSecurityGroups[name] = sg;
    }
  }
}

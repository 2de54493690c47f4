import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { StopOutsideWorkingHours } from '../constructs/capacity';
import { enabledServices, resourceName } from '../genlake.naming';
import type { NetworkStack } from './network.stack';

/**
 * Characters generated passwords never contain: every punctuation character. The services assemble DATABASE_URL and
 * RABBITMQ_URL from the secret's fields in a shell, so a password must need no URL or shell escaping. 30+
 * alphanumeric characters are still ~180 bits.
 */
export const PASSWORD_EXCLUDED_CHARACTERS = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export const DATABASE_PORT = 5432;

export interface DataStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
}

/**
 * PostgreSQL on RDS in the isolated subnets: encrypted, backed up, deletion-protected and Multi-AZ by config, TLS
 * forced; credentials in Secrets Manager rotated by a hosted rotation function; reachable only from the service
 * security groups (and the rotation function) on 5432, by the name `db.internal.<domain>` in a private zone.
 */
export class DataStack extends Stack {
  readonly database: rds.DatabaseInstance;
  readonly secret: secretsmanager.ISecret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly rotationSecurityGroup: ec2.SecurityGroup;
  readonly privateZone: route53.PrivateHostedZone;
  /** `db.internal.<domain>`: what DATABASE_URL names. */
  readonly hostname: string;
  readonly databaseName: string;
  readonly instanceIdentifier: string;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const db = config.database;
    this.instanceIdentifier = resourceName(config, 'postgres');
    this.databaseName = db.databaseName;

    this.securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: network.vpc,
      description: 'PostgreSQL: 5432 from the service tasks and the rotation function only',
      allowAllOutbound: false,
    });
    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: network.vpc,
      description: 'Secrets Manager hosted rotation function of the database credentials',
      allowAllOutbound: true,
    });
    for (const [name] of enabledServices(config)) {
      this.securityGroup.addIngressRule(
        network.serviceSecurityGroups[name],
        ec2.Port.tcp(DATABASE_PORT),
        `${name} tasks`,
      );
    }
    this.securityGroup.addIngressRule(this.rotationSecurityGroup, ec2.Port.tcp(DATABASE_PORT), 'credential rotation');

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(db.engineVersion, db.engineVersion),
    });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `genlake ${config.name}: TLS only, slow statements logged`,
      parameters: {
        'rds.force_ssl': '1',
        log_min_duration_statement: '1000',
        log_lock_waits: '1',
        idle_in_transaction_session_timeout: '600000',
      },
    });

    // created before the instance so that it has a retention (RDS would create it without one)
    const logGroup = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${this.instanceIdentifier}/postgresql`,
      retention: config.observability.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.database = new rds.DatabaseInstance(this, 'Postgres', {
      instanceIdentifier: this.instanceIdentifier,
      engine,
      instanceType: new ec2.InstanceType(db.instanceClass),
      vpc: network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      port: DATABASE_PORT,
      credentials: rds.Credentials.fromGeneratedSecret('genlake', {
        secretName: `genlake/${config.name}/database`,
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      }),
      databaseName: db.databaseName,
      parameterGroup,
      multiAz: db.multiAz,
      allocatedStorage: db.allocatedStorageGb,
      maxAllocatedStorage: db.maxAllocatedStorageGb,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      backupRetention: Duration.days(db.backupRetentionDays),
      // with working hours the instance is stopped at night: back it up at noon (UTC) instead
      preferredBackupWindow: config.workingHours ? '12:00-13:00' : '01:00-02:00',
      preferredMaintenanceWindow: 'sun:02:30-sun:03:30',
      deletionProtection: db.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      cloudwatchLogsExports: ['postgresql'],
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    this.database.node.addDependency(logGroup);
    if (config.workingHours) {
      // development: the instance stops at night and at weekends (storage is still billed); a password rotation
      // that falls in the night fails harmlessly (the current password stays) and runs again at the next one
      new StopOutsideWorkingHours(this, 'PostgresWorkingHours', config.workingHours, {
        kind: 'rds',
        ids: [this.instanceIdentifier],
        arns: [this.database.instanceArn],
      });
    }
    this.secret = this.database.secret!;

    this.secret.addRotationSchedule('Rotation', {
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        functionName: resourceName(config, 'db-rotation'),
        vpc: network.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [this.rotationSecurityGroup],
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      }),
      automaticallyAfter: Duration.days(db.rotationDays),
    });

    this.privateZone = new route53.PrivateHostedZone(this, 'InternalZone', {
      zoneName: `internal.${config.domain.name}`,
      vpc: network.vpc,
      comment: `genlake ${config.name}: private names of the data services`,
    });
    this.hostname = `db.internal.${config.domain.name}`;
    new route53.CnameRecord(this, 'DatabaseName', {
      zone: this.privateZone,
      recordName: 'db',
      domainName: this.database.dbInstanceEndpointAddress,
      ttl: Duration.seconds(60),
    });

    NagSuppressions.addResourceSuppressions(this.database, [
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The standard port 5432 is part of the documented contract (DATABASE_URL); a non-standard port hides nothing, ' +
          'the security group admits only the service tasks.',
      },
      ...(db.multiAz
        ? []
        : [
            {
              id: 'AwsSolutions-RDS3',
              reason: `Single-AZ by configuration in ${config.name} to fit the budget; backups and PITR keep the data.`,
            },
          ]),
      ...(db.deletionProtection
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason: `Deletion protection is off by configuration in ${config.name} (disposable environment); the removal policy still takes a final snapshot.`,
            },
          ]),
    ]);
  }
}

import {
  glueColumns,
  gluePartitionKeys,
  LAKE_PREFIX,
  lakeTables,
  partitionProjectionProperties,
  tableNames,
} from '@genlake/lake';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { pascal, resourceName } from '../genlake.naming';
import type { NetworkStack } from './network.stack';

/** Where Athena writes query results, in the lake bucket (expired after 30 days). */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
/** Where CI uploads the built Grafana dashboards (dashboards/); the self-hosted Grafana syncs them at start. */
export const DASHBOARDS_PREFIX = 'ops/grafana/dashboards/';

export interface LakeStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
}

/**
 * The lake: one bucket (`<prefix>/incoming/…`, `<prefix>/lake/<table>/dataset=…/date=…/generation=…/`, Athena
 * results), a Glue database with one table per lake table definition (partition projection, so a new generation is
 * queryable at once with no crawler), an Athena workgroup (engine v3, per-query scan limit) and a policy analysts get.
 */
export class LakeStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly key?: kms.Key;
  /** Object-key prefix of the storage root inside the bucket (`data`). */
  readonly prefix: string;
  /** `s3://<bucket>/<prefix>`: the services' STORAGE_URL. */
  readonly storageUrl: string;
  readonly glueDatabaseName: string;
  readonly workgroupName: string;
  readonly analystPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const lake = config.lake;
    this.prefix = lake.prefix;

    if (lake.encryption === 'kms') {
      this.key = new kms.Key(this, 'LakeKey', {
        alias: `alias/${resourceName(config, 'lake')}`,
        description: `genlake ${config.name}: encrypts the lake bucket and Athena results`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    const transitions = (days: number): s3.Transition[] => [
      { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(days) },
      ...(lake.glacierInstantAfterDays
        ? [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(lake.glacierInstantAfterDays),
            },
          ]
        : []),
    ];
    this.bucket = new s3.Bucket(this, 'LakeBucket', {
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      bucketKeyEnabled: !!this.key,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: network.logBucket,
      serverAccessLogsPrefix: 's3/lake/',
      lifecycleRules: [
        // generations are immutable once written: old ones are read rarely
        {
          id: 'lake-tiering',
          prefix: `${this.prefix}/${LAKE_PREFIX}/`,
          transitions: transitions(lake.infrequentAccessAfterDays),
        },
        {
          id: 'incoming-tiering',
          prefix: `${this.prefix}/incoming/`,
          transitions: transitions(lake.infrequentAccessAfterDays),
        },
        { id: 'athena-results', prefix: ATHENA_RESULTS_PREFIX, expiration: Duration.days(30) },
        {
          id: 'old-versions',
          noncurrentVersionExpiration: Duration.days(lake.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(2),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.storageUrl = `s3://${this.bucket.bucketName}/${this.prefix}`;

    // ---- Glue catalog: one table per lake/tables/<table>.table.json ----
    this.glueDatabaseName = `genlake_${config.name}`;
    const database = new glue.CfnDatabase(this, 'GlueDatabase', {
      catalogId: this.account,
      databaseInput: {
        name: this.glueDatabaseName,
        description: `genlake ${config.name}: every generation of every lake table (partition projection)`,
      },
    });
    for (const name of tableNames) {
      const table = lakeTables[name];
      const location = `${this.storageUrl}/${LAKE_PREFIX}/${name}/`;
      const cfn = new glue.CfnTable(this, `Table${pascal(name)}`, {
        catalogId: this.account,
        databaseName: this.glueDatabaseName,
        tableInput: {
          name,
          description: table.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'parquet.compression': 'ZSTD',
            'genlake.schemaVersion': String(table.schemaVersion),
            'genlake.stage': table.stage,
            ...partitionProjectionProperties(table, location, {
              dateRange: `${lake.projectionDateFrom},NOW`,
              generationRange: `1,${lake.projectionGenerationMax}`,
            }),
          },
          partitionKeys: gluePartitionKeys(table),
          storageDescriptor: {
            columns: glueColumns(table),
            location,
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
              parameters: { 'serialization.format': '1' },
            },
            compressed: true,
            storedAsSubDirectories: false,
          },
        },
      });
      cfn.addResourceDependency(database);
    }

    // ---- Athena ----
    this.workgroupName = resourceName(config, 'analysts');
    new athena.CfnWorkGroup(this, 'Workgroup', {
      name: this.workgroupName,
      description: `genlake ${config.name}: queries over the lake (engine v3, scan limit per query)`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: lake.athenaBytesScannedCutoffMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.bucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: this.key
            ? { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });

    // ---- what an analyst needs: query through the workgroup, read the lake, write results ----
    const workgroupArn = this.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroupName });
    this.analystPolicy = new iam.ManagedPolicy(this, 'AnalystPolicy', {
      managedPolicyName: resourceName(config, 'analyst'),
      description: `Query the genlake ${config.name} lake with Athena (attach to analysts' roles or groups)`,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryResultsStream',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
            'athena:BatchGetQueryExecution',
          ],
          resources: [workgroupArn],
        }),
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          resources: [
            this.formatArn({ service: 'glue', resource: 'catalog' }),
            this.formatArn({ service: 'glue', resource: 'database', resourceName: this.glueDatabaseName }),
            this.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.glueDatabaseName}/*` }),
          ],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects(`${this.prefix}/${LAKE_PREFIX}/*`)],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
          resources: [this.bucket.arnForObjects(`${ATHENA_RESULTS_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [this.bucket.bucketArn],
          conditions: {
            StringLikeIfExists: { 's3:prefix': [`${this.prefix}/${LAKE_PREFIX}/*`, `${ATHENA_RESULTS_PREFIX}*`] },
          },
        }),
        ...(this.key
          ? [
              new iam.PolicyStatement({
                actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
                resources: [this.key.keyArn],
              }),
            ]
          : []),
      ],
    });
    NagSuppressions.addResourceSuppressions(this.analystPolicy, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Object ARNs end in a prefix wildcard (the lake tables and Athena results prefixes) and the Glue table ARN ' +
          'covers the tables of this one database; no action or other resource is wildcarded.',
        appliesTo: [
          `Resource::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${this.prefix}/${LAKE_PREFIX}/*`,
          `Resource::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${ATHENA_RESULTS_PREFIX}*`,
          {
            regex: `/^Resource::arn:[a-z-]+:glue:${this.region}:${this.account}:table\\/${this.glueDatabaseName}\\/\\*$/`,
          },
        ],
      },
    ]);
  }
}

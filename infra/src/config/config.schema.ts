import { z } from 'zod';
import { CLOUDFRONT_PREFIX_LISTS } from './cloudfront.prefix-lists';

// One validated configuration per environment. Every field that changes the bill or the blast radius of a failure
// is here, with the trade-off written next to it; docs live in infra/README.md ("Configuration").

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const HOSTNAME = /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;
const NAME = /^[a-z][a-z0-9-]{1,30}$/;
const PREFIX = /^([a-z0-9][a-z0-9_.-]*\/)*$/;

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Valid Fargate task sizes: cpu units → allowed memory (MiB). */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

const taskSize = z.object({
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  memoryMiB: z.number().int(),
  /**
   * Run on Fargate Spot (about 70 % cheaper; AWS may stop a task with two minutes' notice, ECS starts another).
   * Fine for dev and for stateless workers whose in-flight message is redelivered; not for the only API task.
   */
  spot: z.boolean().default(false),
});

function checkTaskSize(value: { cpu: number; memoryMiB: number }, ctx: z.RefinementCtx): void {
  const allowed = FARGATE_SIZES[value.cpu];
  if (allowed && !allowed.includes(value.memoryMiB)) {
    ctx.addIssue({
      code: 'custom',
      path: ['memoryMiB'],
      message: `${value.memoryMiB} MiB is not a Fargate size for ${value.cpu} CPU units (allowed: ${allowed.join(', ')})`,
    });
  }
}

const storageAccess = z.object({
  /** Key prefixes below the storage root the service reads (`lake/estimates/`). */
  read: z.array(z.string().regex(PREFIX, 'must be key prefixes ending with "/"')).default([]),
  /** Key prefixes below the storage root the service writes. */
  write: z.array(z.string().regex(PREFIX, 'must be key prefixes ending with "/"')).default([]),
});

/**
 * One team service: everything the platform needs to run it. Adding a service (the notifier) is one more entry in
 * `services` (see team.services.ts): the task, its role, its log group, its scaling and its alarms follow.
 */
export const serviceSchema = taskSize
  .extend({
    kind: z.enum(['http', 'worker']),
    /** The port the service listens on (API for `http`, health and metrics for `worker`). */
    port: z.number().int().min(1024).max(65535),
    /** The queue a worker consumes: its depth drives scaling; `<queue>.dead` gets an alarm. */
    queue: z
      .string()
      .regex(/^[a-z][a-z0-9.-]+$/)
      .optional(),
    /** ALB path patterns routed to an `http` service (behind CloudFront). */
    pathPatterns: z.array(z.string().startsWith('/')).default([]),
    storage: storageAccess.default({ read: [], write: [] }),
    /** Lowest number of tasks. Workers may scale to 0 when their queue is empty (Amazon MQ publishes queue depth). */
    minTasks: z.number().int().min(0).max(50),
    maxTasks: z.number().int().min(1).max(100),
    /** `http`: target ALB requests per task per minute; `worker`: messages per task that add one more task. */
    scaleTarget: z.number().int().min(1).default(500),
    /** Extra plain environment variables (never secrets). */
    environment: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).default({}),
    /** Deploy it. A service can be described before it is deployed. */
    enabled: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    checkTaskSize(s, ctx);
    if (s.minTasks > s.maxTasks) {
      ctx.addIssue({ code: 'custom', path: ['minTasks'], message: `must be <= maxTasks (${s.maxTasks})` });
    }
    if (s.kind === 'worker' && !s.queue) {
      ctx.addIssue({ code: 'custom', path: ['queue'], message: 'a worker needs the queue it consumes' });
    }
    if (s.kind === 'http' && s.pathPatterns.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['pathPatterns'], message: 'an http service needs at least one path' });
    }
    if (s.kind === 'http' && s.minTasks < 1) {
      ctx.addIssue({ code: 'custom', path: ['minTasks'], message: 'an http service needs at least one task' });
    }
  });

export const environmentSchema = z
  .object({
    /** Environment name: stage id, stack name prefix and tag. */
    name: z.string().regex(/^[a-z][a-z0-9]{1,9}$/),
    account: z.string().regex(ACCOUNT, 'must be a 12-digit AWS account id'),
    region: z.string().regex(REGION, 'must be an AWS region such as eu-central-1').default('eu-central-1'),
    /** Termination protection on the stateful stacks (network, data, lake, messaging, delivery, global). */
    terminationProtection: z.boolean(),
    /** Tags on every resource (cost allocation). */
    tags: z.record(z.string(), z.string()).default({}),

    domain: z.object({
      /** The name users open: front end at `/`, API at `/api/*`, Grafana at `/grafana/`. */
      name: z.string().regex(HOSTNAME, 'must be a lower-case DNS name'),
      /** Existing public hosted zone of `name`; when absent the `global` stack creates one (delegate its NS records). */
      hostedZoneId: z
        .string()
        .regex(/^Z[A-Z0-9]{5,32}$/)
        .optional(),
      /** Existing ACM certificate for `name` in us-east-1 (CloudFront); when absent a DNS-validated one is created. */
      cloudFrontCertificateArn: z.string().regex(ACM_ARN).optional(),
      /** Existing ACM certificate for `origin.<name>` in the region (ALB); when absent a DNS-validated one is created. */
      originCertificateArn: z.string().regex(ACM_ARN).optional(),
    }),

    network: z.object({
      cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/, 'must be an IPv4 CIDR from /16 to /24'),
      /**
       * `instance`: a t4g.nano NAT instance (~$4/month + its public IPv4), single AZ, no managed failover (an EC2
       * auto-recovery alarm restarts it on a failed host), up to 5 Gbit/s burst. `gateway`: a managed NAT gateway
       * (~$38/month each + $0.052/GB), scales to 100 Gbit/s, no patching. Lake traffic never crosses NAT (S3 gateway
       * endpoint); NAT carries image pulls, logs, metrics, Secrets Manager and broker-less AWS API calls only.
       */
      natMode: z.enum(['gateway', 'instance']),
      /** NAT devices: 1 (one AZ's NAT serves both; an AZ outage cuts egress) or 2 (one per AZ, doubles the price). */
      natCount: z.union([z.literal(1), z.literal(2)]).default(1),
      natInstanceType: z.string().default('t4g.nano'),
      /** CloudFront origin-facing prefix list of the region (known for most regions; see cloudfront.prefix-lists.ts). */
      cloudFrontPrefixListId: z
        .string()
        .regex(/^pl-[0-9a-f]{8,17}$/)
        .optional(),
      /** VPC flow logs: ALL traffic, or REJECT only (a fraction of the log volume). */
      flowLogTraffic: z.enum(['ALL', 'REJECT']).default('REJECT'),
      /** Days to keep access logs and flow logs in the log bucket. */
      logRetentionDays: z.number().int().min(1).max(3650).default(90),
    }),

    database: z.object({
      engineVersion: z.enum(['15', '16', '17']).default('16'),
      /** RDS instance class without the `db.` prefix: `t4g.micro` (2 vCPU burst, 1 GiB), `t4g.small` (2 GiB)… */
      instanceClass: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/),
      /** Synchronous standby in the second AZ: doubles the instance and storage price; failover in 1–2 minutes. */
      multiAz: z.boolean(),
      allocatedStorageGb: z.number().int().min(20).max(65536),
      /** Storage autoscaling ceiling. */
      maxAllocatedStorageGb: z.number().int().min(20).max(65536),
      deletionProtection: z.boolean(),
      backupRetentionDays: z.number().int().min(1).max(35),
      /** Days between automatic credential rotations (hosted rotation Lambda). */
      rotationDays: z.number().int().min(1).max(365).default(30),
      databaseName: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .default('genlake'),
      /** Services' connection pool per task; keep tasks × pool below max_connections (~80 on 1 GiB). */
      poolMax: z.number().int().min(1).max(100).default(5),
    }),

    messaging: z.object({
      /**
       * `amazon-mq`: managed RabbitMQ (patching, backups of definitions, per-queue CloudWatch metrics); the smallest
       * broker, mq.t3.micro single-instance, is ~$27/month. `self-hosted`: RabbitMQ on Fargate with its data on EFS
       * (~$10/month at 0.25 vCPU / 1 GiB); you patch it, and its queue-depth metrics come from a sidecar.
       */
      mode: z.enum(['amazon-mq', 'self-hosted']),
      /** Amazon MQ engine version. 3.13 publishes per-queue metrics (scaling reads them); RabbitMQ 4.x does not. */
      engineVersion: z
        .string()
        .regex(/^\d+\.\d+$/)
        .default('3.13'),
      /** Amazon MQ broker size: mq.t3.micro (single instance only), mq.m7g.medium… */
      instanceType: z
        .string()
        .regex(/^mq\.[a-z0-9]+\.[a-z0-9]+$/)
        .default('mq.t3.micro'),
      /** Amazon MQ: one node, or three across AZs (mq.m5/m7g only; ~20× the price of mq.t3.micro). */
      deploymentMode: z.enum(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ']).default('SINGLE_INSTANCE'),
      /** Self-hosted: the image and task size. */
      selfHosted: taskSize
        .extend({ image: z.string().min(1).default('public.ecr.aws/docker/library/rabbitmq:3.13-management') })
        .superRefine(checkTaskSize)
        .default({
          cpu: 256,
          memoryMiB: 1024,
          spot: false,
          image: 'public.ecr.aws/docker/library/rabbitmq:3.13-management',
        }),
    }),

    lake: z.object({
      /** `STORAGE_URL` is `s3://<bucket>/<prefix>`; objects are `<prefix>/incoming/…` and `<prefix>/lake/…`. */
      prefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,30}$/)
        .default('data'),
      /** `kms`: a customer managed key ($1/month + requests, bucket keys on); `s3-managed`: SSE-S3, free. */
      encryption: z.enum(['kms', 's3-managed']),
      /** Move lake objects (old generations never change) to Standard-IA after this many days. */
      infrequentAccessAfterDays: z.number().int().min(30).default(90),
      /** Optionally move them on to Glacier Instant Retrieval. */
      glacierInstantAfterDays: z.number().int().min(90).optional(),
      /** Overwritten objects (idempotent re-runs) keep their previous version this long. */
      noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
      /** Athena per-query scan limit. */
      athenaBytesScannedCutoffMb: z.number().int().min(10).default(10_240),
      /** First day partition projection enumerates. */
      projectionDateFrom: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .default('2025-01-01'),
      /** Largest generation number partition projection enumerates. */
      projectionGenerationMax: z.number().int().min(1).default(100_000),
    }),

    services: z.record(z.string().regex(NAME), serviceSchema),

    edge: z.object({
      /** WAF rate-based rule: requests per client IP per 5 minutes before blocking. */
      rateLimitPer5Minutes: z.number().int().min(100).max(2_000_000_000).default(2000),
      priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']).default('PriceClass_100'),
    }),

    observability: z.object({
      /**
       * `self-hosted`: Prometheus + Grafana as two small Fargate tasks (~$7–20/month); Grafana at `/grafana/`.
       * `managed`: Amazon Managed Prometheus (Prometheus runs as a scraping agent that remote-writes) and Amazon
       * Managed Grafana ($9/editor/month, needs IAM Identity Center).
       */
      mode: z.enum(['self-hosted', 'managed']),
      alarmEmail: z.email(),
      /** Log retention of the service log groups. */
      logRetentionDays: z
        .number()
        .int()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
          message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
        }),
      /** ECS Container Insights (per-task CPU/memory metrics; ~$10–20/month for this cluster). */
      containerInsights: z.boolean(),
      prometheus: taskSize
        .extend({
          image: z.string().default('quay.io/prometheus/prometheus:v3.5.0'),
          retentionDays: z.number().int().min(1).default(15),
        })
        .superRefine(checkTaskSize),
      grafana: taskSize
        .extend({ image: z.string().default('docker.io/grafana/grafana-oss:12.1.1') })
        .superRefine(checkTaskSize),
    }),

    delivery: z.object({
      /** `owner/name` of the GitHub repository whose workflows may deploy (main branch and `v*` tags). */
      githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
      /**
       * An account holds one GitHub OIDC provider. Create it here (true), or reuse the one another environment in
       * the same account created (false).
       */
      createOidcProvider: z.boolean(),
      /** Image tag the services run (`-c imageTag=<git sha>` overrides it at deploy). */
      imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/),
      /** Tagged images kept per repository. */
      keepImages: z.number().int().min(1).default(30),
      /**
       * Container CPU architecture of the images. ARM64 (Graviton) Fargate is 20 % cheaper; build the images with
       * `--platform linux/arm64` then.
       */
      cpuArchitecture: z.enum(['X86_64', 'ARM64']).default('X86_64'),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.database.maxAllocatedStorageGb < c.database.allocatedStorageGb) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'maxAllocatedStorageGb'],
        message: `must be >= allocatedStorageGb (${c.database.allocatedStorageGb})`,
      });
    }
    if (!c.network.cloudFrontPrefixListId && !CLOUDFRONT_PREFIX_LISTS[c.region]) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'cloudFrontPrefixListId'],
        message: `no known CloudFront origin-facing prefix list for ${c.region}; give its id`,
      });
    }
    if (c.domain.cloudFrontCertificateArn && !c.domain.cloudFrontCertificateArn.includes(':us-east-1:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['domain', 'cloudFrontCertificateArn'],
        message: 'CloudFront certificates must be in us-east-1',
      });
    }
    if (c.domain.originCertificateArn && !c.domain.originCertificateArn.includes(`:${c.region}:`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['domain', 'originCertificateArn'],
        message: `the ALB certificate must be in the stack region (${c.region})`,
      });
    }
    if (c.messaging.mode === 'amazon-mq') {
      if (c.messaging.deploymentMode === 'CLUSTER_MULTI_AZ' && c.messaging.instanceType.startsWith('mq.t3.')) {
        ctx.addIssue({
          code: 'custom',
          path: ['messaging', 'instanceType'],
          message: 'a CLUSTER_MULTI_AZ broker needs mq.m5 or mq.m7g instances',
        });
      }
      if (!c.messaging.engineVersion.startsWith('3.')) {
        ctx.addIssue({
          code: 'custom',
          path: ['messaging', 'engineVersion'],
          message: 'Amazon MQ publishes per-queue metrics (queue-depth scaling and dead-letter alarms) only for 3.x',
        });
      }
    }
    const http = Object.entries(c.services).filter(([, s]) => s.enabled && s.kind === 'http');
    if (http.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'at least one enabled http service (the API)' });
    }
    const ports = new Map<number, string>();
    for (const [name, s] of Object.entries(c.services)) {
      const other = ports.get(s.port);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'port'],
          message: `port ${s.port} is also ${other}'s`,
        });
      }
      ports.set(s.port, name);
    }
  });

/** A configuration as written (defaults may be left out). */
export type EnvironmentConfigInput = z.input<typeof environmentSchema>;
/** A validated configuration with every default filled in. */
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type TaskSize = z.output<typeof taskSize>;

/** Thrown when a configuration is invalid; the message names every bad field. */
export class ConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration for environment "${environment}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates a configuration; throws a ConfigError naming each bad field (`database.backupRetentionDays: …`). */
export function parseEnvironmentConfig(input: unknown, label = 'unknown'): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      label,
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

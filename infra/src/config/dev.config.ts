import type { EnvironmentConfigInput } from './config.schema';
import { teamServices } from './team.services';

/**
 * dev: the smallest thing that runs the whole system. Single-AZ database, a NAT instance, RabbitMQ self-hosted on
 * Fargate (EFS-backed), every task on Fargate Spot and only in working hours, no Container Insights.
 */
export const devConfig: EnvironmentConfigInput = {
  name: 'dev',
  account: '111111111111',
  region: 'eu-central-1',
  terminationProtection: false,
  tags: { project: 'genlake', environment: 'dev' },
  domain: { name: 'dev.genlake.example.com' },
  // every ECS service at 0 tasks outside 07:00–19:00 on weekdays (60 of 168 hours up); the web app's outbox holds
  // what is submitted meanwhile and sends it once the API answers (a few minutes after 07:00)
  workingHours: { timeZone: 'Europe/Berlin', weekDays: 'MON-FRI', startHour: 7, stopHour: 19 },
  network: {
    cidr: '10.10.0.0/16',
    natMode: 'instance',
    natCount: 1,
    natInstanceType: 't4g.nano',
    flowLogTraffic: 'REJECT',
    logRetentionDays: 30,
  },
  database: {
    engineVersion: '16',
    instanceClass: 't4g.micro',
    multiAz: false,
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 50,
    deletionProtection: false,
    backupRetentionDays: 3,
    rotationDays: 30,
    poolMax: 5,
  },
  messaging: {
    mode: 'self-hosted',
    // on Spot: an interruption restarts the broker on its EFS data (queues are durable); fine for dev
    selfHosted: {
      cpu: 256,
      memoryMiB: 1024,
      spot: true,
      image: 'public.ecr.aws/docker/library/rabbitmq:3.13-management',
    },
  },
  lake: {
    encryption: 's3-managed',
    infrequentAccessAfterDays: 30,
    noncurrentVersionExpirationDays: 7,
    athenaBytesScannedCutoffMb: 1024,
  },
  services: teamServices({
    gateway: { cpu: 256, memoryMiB: 1024, spot: true, minTasks: 1, maxTasks: 2, scaleTarget: 1200 },
    // min 1: with self-hosted RabbitMQ the queue-depth metric comes from a sidecar; one task always consumes
    processor: { cpu: 512, memoryMiB: 1024, spot: true, minTasks: 1, maxTasks: 2, scaleTarget: 2 },
    corrector: { cpu: 256, memoryMiB: 1024, spot: true, minTasks: 1, maxTasks: 2, scaleTarget: 4 },
    // the smallest Fargate task, on Spot like every dev task; a second one (the standby) while 200+ messages wait
    notifier: { cpu: 256, memoryMiB: 512, spot: true, minTasks: 1, maxTasks: 2, scaleTarget: 200 },
  }),
  notifications: {
    // a placeholder that never resolves (.invalid): CRM calls fail and the notifier defers them until this names the
    // CRM's test endpoint (and genlake/dev/crm-token holds its token)
    crmUrl: 'https://crm.example.invalid/v1/events',
  },
  edge: { rateLimitPer5Minutes: 1000, priceClass: 'PriceClass_100' },
  observability: {
    mode: 'self-hosted',
    alarmEmail: 'oncall@example.com',
    logRetentionDays: 14,
    containerInsights: false,
    prometheus: { cpu: 256, memoryMiB: 512, spot: true, retentionDays: 7 },
    grafana: { cpu: 256, memoryMiB: 512, spot: true },
  },
  delivery: {
    githubRepository: 'example-org/genlake',
    createOidcProvider: true,
    imageTag: 'latest',
    keepImages: 20,
    // Graviton: 20 % cheaper than x86 on Fargate; the images are built for both (deploy.yml, scripts/image/platforms.js)
    cpuArchitecture: 'ARM64',
  },
};

import type { EnvironmentConfigInput } from './config.schema';
import { teamServices } from './team.services';

/**
 * prod: highly available where users notice it, small everywhere else.
 * - Database Multi-AZ on db.t4g.micro: the API accepts a batch only after Postgres commits, so database availability
 *   is API availability; a synchronous standby (RPO 0, 1–2 minute failover) buys more than a bigger single instance
 *   at this load (≈2,000 visits a day, spikes to 100 requests/s). db.t4g.small Multi-AZ would add ~$27/month.
 * - Two gateway tasks in two AZs behind the ALB; workers scale on queue depth (the corrector down to zero).
 * - Amazon MQ mq.t3.micro single-instance (quorum queues on one node; a cluster starts at ~$600/month).
 * - One NAT instance: a single NAT gateway is as single-AZ as one instance and costs ~$34/month more; the lake's
 *   traffic bypasses NAT through the S3 gateway endpoint. Switch `network.natMode` to `gateway` when budget allows.
 */
export const prodConfig: EnvironmentConfigInput = {
  name: 'prod',
  account: '222222222222',
  region: 'eu-central-1',
  terminationProtection: true,
  tags: { project: 'genlake', environment: 'prod' },
  domain: { name: 'genlake.example.com' },
  network: {
    cidr: '10.20.0.0/16',
    natMode: 'instance',
    natCount: 1,
    natInstanceType: 't4g.nano',
    flowLogTraffic: 'ALL',
    logRetentionDays: 365,
  },
  database: {
    engineVersion: '16',
    instanceClass: 't4g.micro',
    multiAz: true,
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 200,
    deletionProtection: true,
    backupRetentionDays: 14,
    rotationDays: 30,
    poolMax: 5,
  },
  messaging: {
    mode: 'amazon-mq',
    engineVersion: '3.13',
    instanceType: 'mq.t3.micro',
    deploymentMode: 'SINGLE_INSTANCE',
  },
  lake: {
    encryption: 'kms',
    infrequentAccessAfterDays: 90,
    noncurrentVersionExpirationDays: 30,
    athenaBytesScannedCutoffMb: 10_240,
  },
  services: teamServices({
    // two on-demand tasks in two AZs always (the API's availability); the spike tasks above them on Spot
    gateway: { cpu: 256, memoryMiB: 1024, spot: true, onDemandBase: 2, minTasks: 2, maxTasks: 6, scaleTarget: 1200 },
    // a stateless worker: a reclaimed task's unacknowledged messages are redelivered and the inbox drops the
    // duplicates (test/e2e kills a worker mid-batch); a Spot shortage delays batches, the API still accepts them
    processor: { cpu: 512, memoryMiB: 2048, spot: true, minTasks: 1, maxTasks: 4, scaleTarget: 2 },
    corrector: { cpu: 256, memoryMiB: 1024, spot: true, minTasks: 0, maxTasks: 3, scaleTarget: 4 },
    // one active CRM consumer on demand (confirmation e-mails should not wait for Spot capacity); the standby that
    // joins while 200+ messages wait runs on Spot
    notifier: { cpu: 256, memoryMiB: 512, spot: true, onDemandBase: 1, minTasks: 1, maxTasks: 2, scaleTarget: 200 },
  }),
  notifications: {
    // replace with the CRM's production endpoint; its token goes into genlake/prod/crm-token
    crmUrl: 'https://crm.example.com/v1/events',
  },
  edge: { rateLimitPer5Minutes: 2000, priceClass: 'PriceClass_100' },
  observability: {
    mode: 'self-hosted',
    alarmEmail: 'oncall@example.com',
    logRetentionDays: 90,
    containerInsights: false,
    prometheus: { cpu: 256, memoryMiB: 1024, spot: true, retentionDays: 15 },
    grafana: { cpu: 256, memoryMiB: 512, spot: true },
  },
  delivery: {
    githubRepository: 'example-org/genlake',
    createOidcProvider: true,
    imageTag: 'latest',
    keepImages: 30,
    // Graviton: 20 % cheaper than x86 on Fargate; the images are built for both (deploy.yml, scripts/image/platforms.js)
    cpuArchitecture: 'ARM64',
  },
};

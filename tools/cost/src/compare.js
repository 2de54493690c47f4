// --compare: the monthly cost of the design alternatives (compute platform, NAT, broker, database,
// monitoring) for each budgeted stage, computed with the same price table and usage assumptions as the
// estimate, and what each buys in availability. The workload (ECS services, their sizes and task ranges)
// comes from the synthesized templates when an assembly is given, else from usage.json `compare.services`.

const { regionPrices, stageUsage, priceOf } = require('./config');
const { estimate } = require('./estimate');
const { money, textTable, mdTable } = require('./format');

const GATEWAY = /gateway|api|web/i;
const NAT_NAME = /nat/i;
const BROKER = /rabbit|broker|amqp/i;
const MONITORING = /prometheus|grafana/i;

function taskHours(D, base, max) {
  const spikeH = max > base ? Math.min(D.spikeHours, D.hours) : 0;
  return base * (D.hours - spikeH) + max * spikeH;
}

/** The Fargate services of a stage in the templates (name, vcpu, gb, arch, base, max, spot). */
function fargateServices(env) {
  return (env?.lines ?? [])
    .filter((l) => l.meta?.service)
    .map((l) => ({ name: l.meta.service, ...l.meta, from: 'templates' }));
}

/**
 * The team services of a stage (the broker and monitoring tasks are compared in their own topics): from the
 * templates, else from usage `compare.services`.
 */
function workloadOf(env, U) {
  const fromTemplates = fargateServices(env).filter((s) => !BROKER.test(s.name) && !MONITORING.test(s.name));
  if (fromTemplates.length) return fromTemplates;
  return Object.entries(U.compare.services).map(([name, s]) => ({
    name,
    vcpu: s.vcpu,
    gb: s.gb,
    arch: 'arm64',
    base: s.min,
    max: s.max,
    scaled: s.max > s.min,
    spot: 0,
    from: 'usage.json',
  }));
}

/**
 * Fargate task-hours × price. `arch`: 'x86', 'arm64' or 'configured' (each service's own); `spot`: 'none',
 * 'workers' (all but the gateway) or 'configured' (each service's own strategy: an on-demand base, the rest Spot);
 * `schedule`: 'configured' (the working hours of the templates' scheduled scaling) or 'always' (always on).
 */
function fargateCost(
  P,
  D,
  services,
  { arch, spot = 'none', schedule = 'configured', gbOverhead = 0, roundEks = false } = {},
) {
  let total = 0;
  for (const s of services) {
    const rate = P.fargate[arch === 'configured' ? (s.arch ?? 'x86') : arch];
    let gb = s.gb + gbOverhead;
    if (roundEks) gb = gb <= 0.5 ? 0.5 : Math.ceil(gb);
    const perHour = s.vcpu * rate.vcpuHour + gb * rate.gbHour;
    const tiers =
      schedule === 'configured' && s.tiers
        ? s.tiers
        : [{ tasks: 1, hours: taskHours(D, s.base, s.max), spot: s.spot ?? 0 }];
    for (const t of tiers) {
      const share = spot === 'workers' ? (GATEWAY.test(s.name) ? 0 : 1) : spot === 'configured' ? (t.spot ?? 0) : 0;
      total += t.tasks * t.hours * perHour * (1 - share + share * P.fargate.spotFactor);
    }
  }
  return total;
}

/** Instances of the cheapest t4g type that hold the tasks (awsvpc: tasks per instance limited by ENIs). */
function packOnEc2(
  P,
  D,
  services,
  { minInstances, reserveGb = 0.3, reserveVcpu = 0, diskGb = 30, podsPerNode = Infinity },
) {
  const need = (key) => ({
    vcpu: services.reduce((a, s) => a + s.vcpu * s[key], 0),
    gb: services.reduce((a, s) => a + s.gb * s[key], 0),
    tasks: services.reduce((a, s) => a + s[key], 0),
  });
  const base = need('base');
  const peak = need('max');
  let best;
  for (const [type, spec] of Object.entries(P.ec2Specs)) {
    if (!Array.isArray(spec) || type === 't4g.nano' || type === 't4g.micro') continue;
    const [vcpu, gb, enis] = spec;
    const perInstanceTasks = Number.isFinite(podsPerNode) ? podsPerNode : enis - 1;
    const count = (n) =>
      Math.max(
        minInstances,
        Math.ceil(n.vcpu / (vcpu - reserveVcpu)),
        Math.ceil(n.gb / (gb - reserveGb)),
        Math.ceil(n.tasks / perInstanceTasks),
      );
    const nBase = count(base);
    const nPeak = Math.max(nBase, count(peak));
    const spikeH = Math.min(D.spikeHours, D.hours);
    const instanceHours = nBase * (D.hours - spikeH) + nPeak * spikeH;
    const hourly = priceOf(P.ec2, type, 'EC2 instance type', 'compare');
    const cost = instanceHours * hourly + (instanceHours / D.hours) * diskGb * P.ebs.gp3GbMonth;
    if (!best || cost < best.cost) best = { type, nBase, nPeak, cost };
  }
  return best;
}

function option(id, name, costs, availability, extra = {}) {
  return { id, name, costs, availability, ...extra };
}

function computeOptions(ctx) {
  const byStage = (fn) => Object.fromEntries(ctx.stages.map((s) => [s.name, fn(s)]));
  const ec2 = byStage((s) => packOnEc2(ctx.P, s.D, s.services, { minInstances: s.U.compare.minInstances }));
  const eksNodes = byStage((s) =>
    packOnEc2(ctx.P, s.D, s.services, {
      minInstances: Math.max(2, s.U.compare.minInstances),
      reserveGb: 0.7,
      reserveVcpu: 0.2,
      diskGb: 20,
      podsPerNode: 8,
    }),
  );
  const eks = ctx.P.eks.clusterHour * ctx.hours;
  const fromTemplates = ctx.stages.some((s) => s.services[0]?.from === 'templates');
  const archs = [
    ...new Set(ctx.stages.flatMap((s) => s.services.map((x) => (x.arch === 'arm64' ? 'ARM64' : 'x86')))),
  ].join('/');
  const configured = fromTemplates
    ? [
        option(
          'fargate-configured',
          `ECS on Fargate as synthesized (${archs}, Fargate Spot where configured)`,
          byStage((s) => fargateCost(ctx.P, s.D, s.services, { arch: 'configured', spot: 'configured' })),
          'The team services as the templates define them: sizes, task ranges, Spot per service.',
        ),
        option(
          'fargate-configured-always-on',
          'ECS on Fargate as synthesized, but always on (no working-hours schedule)',
          byStage((s) =>
            fargateCost(ctx.P, s.D, s.services, { arch: 'configured', spot: 'configured', schedule: 'always' }),
          ),
          'What scaling dev to 0 outside working hours saves; production has no schedule.',
        ),
        option(
          'fargate-arm64-configured',
          'ECS on Fargate ARM64 (Graviton), Fargate Spot where configured',
          byStage((s) => fargateCost(ctx.P, s.D, s.services, { arch: 'arm64', spot: 'configured' })),
          'The same services built for linux/arm64: same availability, ~20% less per task.',
        ),
      ]
    : [];
  return [
    ...configured,
    option(
      'fargate-arm64',
      'ECS on Fargate, ARM64 (Graviton), no Spot',
      byStage((s) => fargateCost(ctx.P, s.D, s.services, { arch: 'arm64' })),
      'No hosts: a failed task is replaced in ~1 min, tasks spread over the AZs, no AMI patching. Pay per task size, idle or not.',
    ),
    option(
      'fargate-x86',
      'ECS on Fargate, x86, no Spot',
      byStage((s) => fargateCost(ctx.P, s.D, s.services, { arch: 'x86' })),
      'Same as ARM64, ~20% dearer; only needed for x86-only images.',
    ),
    option(
      'fargate-arm64-spot-workers',
      'ECS on Fargate ARM64, the workers (processor, corrector, notifier) on Fargate Spot',
      byStage((s) => fargateCost(ctx.P, s.D, s.services, { arch: 'arm64', spot: 'workers' })),
      'Workers can be interrupted with 2 min notice; RabbitMQ redelivers unacknowledged messages, so batches are only delayed. Spot price is an assumption (about 70% off).',
    ),
    option(
      'ecs-ec2-t4g',
      'ECS on EC2 (t4g, awsvpc)',
      byStage((s) => ec2[s.name].cost),
      'You patch the ECS AMI and drain instances; an instance loss takes its tasks down until ECS places them on another (needs headroom). t4g bursts on CPU credits: sustained load beyond baseline costs extra or throttles. awsvpc limits tasks per t4g instance to 2 (ENIs).',
      {
        detail: byStage(
          (s) =>
            `${ec2[s.name].nBase} × ${ec2[s.name].type}${ec2[s.name].nPeak > ec2[s.name].nBase ? ` (${ec2[s.name].nPeak} in spikes)` : ''}`,
        ),
      },
    ),
    option(
      'eks-t4g',
      'EKS control plane + t4g managed nodes',
      byStage((s) => eks + eksNodes[s.name].cost),
      'Same availability as ECS for this workload, plus $73/month per cluster and a Kubernetes upgrade every ~14 months per version; system pods need a share of every node.',
      { detail: byStage((s) => `$73 + ${eksNodes[s.name].nBase} × ${eksNodes[s.name].type}`) },
    ),
    option(
      'eks-fargate',
      'EKS control plane + Fargate pods',
      byStage(
        (s) =>
          eks +
          fargateCost(ctx.P, s.D, [...s.services, { name: 'coredns', vcpu: 0.25, gb: 0.5, base: 2, max: 2 }], {
            arch: 'x86',
            gbOverhead: 0.25,
            roundEks: true,
          }),
      ),
      'No nodes, but x86 only, 256 MB added to every pod, CoreDNS on two pods of its own, and the $73 control plane.',
    ),
  ];
}

function natOptions(ctx) {
  const byStage = (fn) => Object.fromEntries(ctx.stages.map((s) => [s.name, fn(s)]));
  const { P } = ctx;
  const H = ctx.hours;
  const gw = (n, s) => n * H * (P.natGateway.hour + P.publicIpv4Hour) + s.U.nat.gbPerMonth * P.natGateway.gb;
  const inst = (n) =>
    n * (H * (priceOf(P.ec2, 't4g.nano', 'EC2 instance type', ctx.region) + P.publicIpv4Hour) + 8 * P.ebs.gp3GbMonth);
  const endpoints = (s) => {
    const list = s.U.compare.endpointsInsteadOfNat;
    return (
      list.length * s.D.azs * H * P.vpcEndpoint.interfaceAzHour +
      list.length * s.U.interfaceEndpoints.gbPerEndpointPerMonth * P.vpcEndpoint.gb
    );
  };
  return [
    option(
      'nat-gateway-1',
      'NAT gateway, one for the VPC',
      byStage((s) => gw(1, s)),
      'Managed, scales to 100 Gbps, no patching; but its AZ is a single point of failure for egress.',
    ),
    option(
      'nat-gateway-per-az',
      'NAT gateway in every AZ',
      byStage((s) => gw(s.D.azs, s)),
      'Egress survives the loss of an AZ. The AWS-recommended layout, at twice the price.',
    ),
    option(
      'nat-instance-1',
      'NAT instance (t4g.nano), one for the VPC',
      byStage(() => inst(1)),
      'A single small instance: if it fails or reboots, egress stops until it is replaced (minutes). Running tasks keep serving; new tasks cannot pull images and CRM/e-mail calls wait in their retry queues. No per-GB processing charge. You patch it.',
    ),
    option(
      'nat-instance-per-az',
      'NAT instance (t4g.nano) in every AZ',
      byStage((s) => inst(s.D.azs)),
      'Egress survives the loss of one instance or AZ for the subnets routed through the other.',
    ),
    option(
      'endpoints-no-nat',
      `No NAT: interface endpoints (${ctx.stages[0].U.compare.endpointsInsteadOfNat.join(', ')}) + S3 gateway endpoint`,
      byStage((s) => endpoints(s)),
      'Highly available per AZ, but nothing reaches the internet: the CRM and e-mail provider calls would need a proxy. Dearer than NAT at this scale.',
    ),
  ];
}

function brokerOptions(ctx) {
  const byStage = (fn) => Object.fromEntries(ctx.stages.map((s) => [s.name, fn(s)]));
  const { P } = ctx;
  const H = ctx.hours;
  const mq = (type, nodes, s) => {
    const storage = s.U.broker.storageGbPerNode;
    return (
      nodes *
      (H * priceOf(P.mq.rabbitmq, type, 'Amazon MQ broker instance type', ctx.region) +
        (storage[type] ?? storage.default) * P.mq.storageGbMonth)
    );
  };
  // the broker task as the templates size it (where a stage self-hosts it), else usage `compare.selfHostedBroker`
  const brokerTask = (s) => ctx.templateTask(BROKER, s) ?? { ...s.U.compare.selfHostedBroker, arch: 'arm64', spot: 0 };
  const b = brokerTask(ctx.stages[ctx.stages.length - 1]);
  const self = (nodes, s, { onDemand = false } = {}) => {
    const b = brokerTask(s);
    const r = P.fargate[b.arch];
    const efs = s.U.efs;
    const share = onDemand ? 0 : b.spot;
    const spot = 1 - share + share * P.fargate.spotFactor;
    return (
      nodes * H * (b.vcpu * r.vcpuHour + b.gb * r.gbHour) * spot +
      nodes * efs.storageGb * P.efs.standardGbMonth +
      nodes * P.cloudMap.instanceMonth
    );
  };
  const size = `${b.vcpu} vCPU / ${b.gb} GB ${b.arch === 'arm64' ? 'ARM64' : 'x86'}${b.spot ? ', Fargate Spot' : ''}`;
  return [
    option(
      'mq-single-mq.t3.micro',
      'Amazon MQ for RabbitMQ, mq.t3.micro single instance',
      byStage((s) => mq('mq.t3.micro', 1, s)),
      'One managed broker in one AZ. Maintenance windows and instance replacement mean minutes of unavailability: the gateway keeps answering 202 (the outbox holds the messages, the relay publishes when the broker is back), consumers reconnect. AWS sizes t3.micro for evaluation (500 connections, burstable CPU).',
    ),
    option(
      'mq-single-mq.m5.large',
      'Amazon MQ for RabbitMQ, mq.m5.large single instance',
      byStage((s) => mq('mq.m5.large', 1, s)),
      'Same availability as t3.micro, with production capacity (5,000 connections).',
    ),
    option(
      'mq-cluster-mq.m5.large',
      'Amazon MQ for RabbitMQ, mq.m5.large cluster (3 nodes, 3 AZs)',
      byStage((s) => mq('mq.m5.large', 3, s)),
      'Quorum queues replicated over three AZs; rolling maintenance without downtime; survives the loss of an AZ. t3.micro is not allowed in a cluster.',
    ),
    option(
      'self-hosted-1',
      `Self-hosted RabbitMQ on Fargate (1 task, ${size}) + EFS`,
      byStage((s) => self(1, s)),
      'ECS restarts a failed broker in 1–2 minutes, in either AZ (the message store is on EFS). Upgrades, users, TLS and monitoring are yours; EFS latency limits fsync-heavy quorum queue throughput.',
    ),
    option(
      'self-hosted-1-on-demand',
      `Self-hosted RabbitMQ on Fargate (1 task, ${b.vcpu} vCPU / ${b.gb} GB, on demand) + EFS`,
      byStage((s) => self(1, s, { onDemand: true })),
      "The cheapest broker with production's availability: one node like mq.t3.micro, restarted by ECS in 1–2 minutes in either AZ (Amazon MQ single-instance stays in its AZ), never reclaimed like Spot. What it costs instead of money: AMQP without TLS inside the VPC (Amazon MQ serves TLS only), and the broker's upgrades, users and definitions backups are yours, not AWS's.",
    ),
    option(
      'self-hosted-3',
      `Self-hosted RabbitMQ cluster on Fargate (3 tasks, ${size}) + EFS`,
      byStage((s) => self(3, s)),
      'Replicated quorum queues across AZs like the managed cluster, for a fraction of the price, but clustering (peer discovery, stable node names, one EFS access point per node) and upgrades are yours.',
    ),
  ];
}

function databaseOptions(ctx) {
  const byStage = (fn) => Object.fromEntries(ctx.stages.map((s) => [s.name, fn(s)]));
  const { P } = ctx;
  const H = ctx.hours;
  const rds = (cls, multi, s) => {
    const d = s.U.compare.database;
    const n = multi ? 2 : 1;
    const hourly = priceOf(P.rds.postgres, cls, 'RDS instance class', ctx.region);
    const backup = s.U.database.usedGb * (1 + s.U.database.dailyChangeFraction * (d.backupRetentionDays - 1));
    return (
      n * H * hourly +
      n * d.allocatedGb * P.rds.storageGbMonth.gp3 +
      Math.max(0, backup - d.allocatedGb) * P.rds.backupGbMonth
    );
  };
  const aurora = (min, s) => {
    const a = s.U.database.aurora;
    const d = s.U.compare.database;
    const spikeH = Math.min(s.D.spikeHours, H);
    const activeH = min === 0 ? Math.min(H, a.activeHoursPerDay * (H / 24)) : H;
    const acuH = Math.max(min, 0.5) * Math.max(0, activeH - spikeH) + Math.min(d.auroraMaxAcu, a.spikeAcu) * spikeH;
    return (
      acuH * P.aurora.serverlessV2AcuHour +
      a.storageGb * P.aurora.storageGbMonth +
      a.ioMillionsPerMonth * P.aurora.ioPerMillion
    );
  };
  const cls = (s) => s.U.compare.database.instanceClass;
  const c0 = cls(ctx.stages[0]);
  return [
    option(
      'rds-single',
      `RDS PostgreSQL ${c0} single-AZ`,
      byStage((s) => rds(cls(s), false, s)),
      'An instance failure is repaired by RDS in minutes; losing the AZ means a point-in-time restore into another AZ (tens of minutes, up to 5 minutes of transactions lost); OS patches reboot it. While Postgres is down the gateway cannot accept (202 needs a commit): the web app keeps the submissions and retries.',
    ),
    option(
      'rds-multi-az',
      `RDS PostgreSQL ${c0} multi-AZ`,
      byStage((s) => rds(cls(s), true, s)),
      'Synchronous standby in another AZ: automatic failover in ~60–120 s without data loss; patches go to the standby first. Twice the instance and storage.',
    ),
    option(
      'rds-single-small',
      'RDS PostgreSQL db.t4g.small single-AZ',
      byStage((s) => rds('db.t4g.small', false, s)),
      'As single-AZ, with 2 GB of memory instead of 1 (more connections and cache).',
    ),
    option(
      'rds-multi-az-small',
      'RDS PostgreSQL db.t4g.small multi-AZ',
      byStage((s) => rds('db.t4g.small', true, s)),
      'As multi-AZ, with 2 GB of memory.',
    ),
    option(
      'aurora-sv2-0.5',
      'Aurora Serverless v2 (0.5 ACU minimum, one writer)',
      byStage((s) => aurora(ctx.stages[0].U.compare.database.auroraMinAcu, s)),
      'Storage replicated six ways over three AZs; scales in seconds for spikes. With a single writer a failure means ~10 min to recreate it (no data loss); a reader for fast failover doubles the ACU cost.',
    ),
    option(
      'aurora-sv2-0',
      'Aurora Serverless v2 (0 ACU minimum, auto-pause)',
      byStage((s) => aurora(0, s)),
      'Pays only for active hours; the first connection after a pause waits ~15 s. Good for dev, not for the API that must accept at once.',
    ),
  ];
}

function monitoringOptions(ctx) {
  const byStage = (fn) => Object.fromEntries(ctx.stages.map((s) => [s.name, fn(s)]));
  const { P } = ctx;
  const H = ctx.hours;
  const managed = (s) => {
    const m = s.U.prometheus;
    const g = s.U.grafana;
    const samples = m.activeSeries * ((H * 3600) / m.scrapeIntervalSeconds);
    return (
      (samples / 1e7) * P.amp.samplesPer10M +
      m.storageGb * P.amp.storageGbMonth +
      m.queryBillionSamplesPerMonth * P.amp.queryPerBillionSamples +
      g.editors * P.grafana.editorMonth +
      g.viewers * P.grafana.viewerMonth
    );
  };
  // the Prometheus and Grafana tasks as the templates size them, else usage `compare.selfHostedMonitoring` (+ EFS)
  const last = ctx.stages[ctx.stages.length - 1];
  const prom = ctx.templateTask(/prometheus/i, last);
  const graf = ctx.templateTask(/grafana/i, last);
  const fromTemplates = Boolean(prom && graf);
  const self = (s) => {
    const c = s.U.compare.selfHostedMonitoring;
    const tasks = fromTemplates
      ? [ctx.templateTask(/prometheus/i, s), ctx.templateTask(/grafana/i, s)]
      : [c.prometheus, c.grafana].map((t) => ({ ...t, arch: 'arm64', spot: 0 }));
    const storage = fromTemplates ? 0 : c.storageGb * P.efs.standardGbMonth;
    return (
      tasks.reduce((a, t) => {
        const r = P.fargate[t.arch];
        return a + H * (t.vcpu * r.vcpuHour + t.gb * r.gbHour) * (1 - t.spot + t.spot * P.fargate.spotFactor);
      }, 0) + storage
    );
  };
  const selfName = fromTemplates
    ? `Prometheus + Grafana on Fargate as synthesized (${[prom, graf].map((t) => `${t.vcpu} vCPU / ${t.gb} GB${t.spot ? ' Spot' : ''}`).join(', ')})`
    : 'Prometheus + Grafana on Fargate (one task each, EFS for data)';
  return [
    option(
      'managed',
      'Amazon Managed Prometheus + Amazon Managed Grafana',
      byStage(managed),
      'Both multi-AZ and patched by AWS; AMP keeps 150 days. Grafana is billed per active user (editor $9, viewer $5) and needs IAM Identity Center or SAML for sign-in.',
    ),
    option(
      'self-hosted',
      selfName,
      byStage(self),
      'A failed task is restarted in about a minute (a gap in scrapes, dashboards come back from code); upgrades are yours; any number of viewers at no extra cost.',
    ),
  ];
}

const TOPICS = [
  { id: 'compute', title: 'Compute: ECS on Fargate vs ECS on EC2 vs EKS', build: computeOptions },
  { id: 'nat', title: 'Egress: NAT gateway vs NAT instance', build: natOptions },
  { id: 'broker', title: 'RabbitMQ: Amazon MQ single instance vs cluster vs self-hosted', build: brokerOptions },
  { id: 'database', title: 'Postgres: RDS single-AZ vs multi-AZ vs Aurora Serverless v2', build: databaseOptions },
  { id: 'monitoring', title: 'Monitoring: managed Prometheus/Grafana vs self-hosted', build: monitoringOptions },
];

/** What the synthesized templates chose, per topic (option ids), where they say. */
function defaultsFromTemplates(env) {
  if (!env) return {};
  const out = {};
  const lines = env.lines;
  const fargate = lines.filter((l) => l.meta?.service);
  if (fargate.length) out.compute = 'fargate-configured';
  if (lines.some((l) => l.type === 'AWS::EKS::Cluster')) out.compute = 'eks-t4g';
  const natGws = new Set(lines.filter((l) => l.type === 'AWS::EC2::NatGateway').map((l) => l.logicalId)).size;
  const natInstances = new Set(
    lines.filter((l) => l.type === 'AWS::EC2::Instance' && NAT_NAME.test(l.logicalId)).map((l) => l.logicalId),
  ).size;
  if (natGws) out.nat = natGws > 1 ? 'nat-gateway-per-az' : 'nat-gateway-1';
  else if (natInstances) out.nat = natInstances > 1 ? 'nat-instance-per-az' : 'nat-instance-1';
  else if (lines.some((l) => l.type === 'AWS::EC2::VPC')) out.nat = 'endpoints-no-nat';
  const mq = lines.find((l) => l.type === 'AWS::AmazonMQ::Broker' && l.meta);
  if (mq)
    out.broker =
      mq.meta.mode === 'CLUSTER_MULTI_AZ' ? `mq-cluster-${mq.meta.instanceType}` : `mq-single-${mq.meta.instanceType}`;
  else if (fargate.some((l) => /rabbit|broker|amqp/i.test(l.logicalId))) out.broker = 'self-hosted-1';
  const db = lines.find((l) => l.type === 'AWS::RDS::DBInstance' && l.meta);
  if (db) out.database = db.meta.multiAz ? 'rds-multi-az' : 'rds-single';
  else if (lines.some((l) => l.unit === 'ACU-h')) out.database = 'aurora-sv2-0.5';
  if (lines.some((l) => l.type === 'AWS::APS::Workspace' || l.type === 'AWS::Grafana::Workspace'))
    out.monitoring = 'managed';
  else if (fargate.some((l) => /prometheus|grafana/i.test(l.logicalId))) out.monitoring = 'self-hosted';
  return out;
}

/**
 * The comparison: `{ region, stages, source, topics: [{ id, title, options: [{ id, name, costs: {stage: $},
 * availability, default: {stage: bool} }] }] }`.
 */
function compare({ prices, usage, region, assembly }) {
  let report;
  if (assembly) {
    try {
      report = estimate({ assembly, prices, usage, region });
    } catch {
      report = undefined; // an unpriceable template does not stop the comparison
    }
  }
  const stageNames = usage.budget.stages;
  // the region most of the resources are in (a global stack in us-east-1 does not count)
  const counts = new Map();
  for (const l of report?.environments.flatMap((e) => e.lines) ?? [])
    counts.set(l.region, (counts.get(l.region) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const theRegion = region ?? majority ?? usage.defaultRegion;
  const P = regionPrices(prices, theRegion);
  const stages = stageNames.map((name) => {
    const U = stageUsage(usage, name);
    const env = report?.environments.find((e) => e.name === name);
    const services = workloadOf(env, U);
    return { name, U, D: U.derived, services, defaults: { ...U.compare.defaults, ...defaultsFromTemplates(env) }, env };
  });
  // a task as the templates size it: the stage's own, else another stage's
  const templateTask = (pattern, stage) =>
    fargateServices(stage?.env).find((t) => pattern.test(t.name)) ??
    stages.flatMap((s) => fargateServices(s.env)).find((t) => pattern.test(t.name));
  const ctx = { P, region: theRegion, hours: usage.hoursPerMonth, stages, templateTask };
  const topics = TOPICS.map((t) => {
    const options = t.build(ctx).map((o) => ({
      ...o,
      total: Object.values(o.costs).reduce((a, b) => a + b, 0),
      default: Object.fromEntries(stages.map((s) => [s.name, s.defaults[t.id] === o.id])),
    }));
    return { id: t.id, title: t.title, options };
  });
  return {
    region: theRegion,
    prices: { asOf: prices.asOf, basis: prices.basis },
    stages: stages.map((s) => ({
      name: s.name,
      workloadFrom: s.services[0]?.from ?? 'usage.json',
      services: s.services.map(({ name, vcpu, gb, arch, base, max }) => ({ name, vcpu, gb, arch, base, max })),
      spikeHours: s.D.spikeHours,
    })),
    topics,
  };
}

function marker(o, stages) {
  const on = stages.filter((s) => o.default[s]);
  if (on.length === 0) return '';
  return on.length === stages.length ? 'default' : `default in ${on.join(', ')}`;
}

function formatComparison(result, fmt = 'table', { heading = '###' } = {}) {
  const stageNames = result.stages.map((s) => s.name);
  if (fmt === 'json') {
    const round = (x) => Math.round(x * 100) / 100;
    return `${JSON.stringify(
      {
        ...result,
        topics: result.topics.map((t) => ({
          ...t,
          options: t.options.map((o) => ({
            ...o,
            total: round(o.total),
            costs: Object.fromEntries(Object.entries(o.costs).map(([k, v]) => [k, round(v)])),
          })),
        })),
      },
      null,
      2,
    )}\n`;
  }
  const md = fmt === 'markdown';
  const out = [];
  const workload = result.stages
    .map(
      (s) =>
        `${s.name}: ${s.services.map((x) => `${x.name} ${x.vcpu} vCPU/${x.gb} GB × ${x.base}${x.max > x.base ? `–${x.max}` : ''}`).join(', ')} (from ${s.workloadFrom}; ${s.spikeHours} spike h)`,
    )
    .join('; ');
  out.push(
    `Options compared in ${result.region} with the estimate's price table (${result.prices.basis}, as of ${result.prices.asOf}). Workload: ${workload}.`,
  );
  for (const t of result.topics) {
    out.push('');
    out.push(md ? `${heading} ${t.title}` : `== ${t.title} ==`);
    out.push('');
    const head = ['Option', ...stageNames, stageNames.join(' + '), 'Chosen'];
    const data = t.options.map((o) => [
      o.name + (o.detail ? ` (${stageNames.map((s) => `${s}: ${o.detail[s]}`).join('; ')})` : ''),
      ...stageNames.map((s) => money(o.costs[s])),
      money(o.total),
      marker(o, stageNames),
    ]);
    const right = stageNames.map((_, i) => i + 1).concat([stageNames.length + 1]);
    out.push(md ? mdTable(head, data, right) : textTable(head, data, right));
    out.push('');
    for (const o of t.options) out.push(md ? `- **${o.name}**: ${o.availability}` : `  * ${o.name}: ${o.availability}`);
  }
  return `${out.join('\n')}\n`;
}

module.exports = { compare, formatComparison, packOnEc2, fargateCost, workloadOf };

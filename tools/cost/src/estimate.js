// Walks every resource of every stack of each stage and prices it: the monthly bill per environment,
// the total of the environments under budget, and the assumptions each figure rests on.

const { regionPrices, stageUsage, PriceError } = require('./config');
const { priceResource } = require('./pricers');
const { refsIn, str } = require('./cfn');

const SES_TYPES = ['AWS::SES::ConfigurationSet', 'AWS::SES::EmailIdentity'];

function stageCounts(all) {
  const count = (pred) => all.filter(pred).length;
  const type = (t) => (r) => r.res?.Type === t;
  return {
    natGateways: count(type('AWS::EC2::NatGateway')),
    internetLoadBalancers: count(
      (r) =>
        r.res?.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' &&
        str(r.res.Properties?.Scheme, r.stack.template, 'internet-facing') === 'internet-facing' &&
        str(r.res.Properties?.Type, r.stack.template, 'application') !== 'gateway',
    ),
    distributions: count(type('AWS::CloudFront::Distribution')),
    cloudFrontFunctions: count(type('AWS::CloudFront::Function')),
    flowLogs: count(type('AWS::EC2::FlowLog')),
    athenaWorkGroups: count(type('AWS::Athena::WorkGroup')),
    glueCrawlers: count(type('AWS::Glue::Crawler')),
    codeBuildProjects: count(type('AWS::CodeBuild::Project')),
    pipelines: count((r) => r.res?.Type === 'AWS::CodePipeline::Pipeline' && r.res.Properties?.PipelineType === 'V2'),
  };
}

const M = (x) => `${(x / 1e6).toFixed(2)}M`;
const n = (x) => Math.round(x).toLocaleString('en-US');

/** One sentence per assumption key, with this stage's figures. */
function describeAssumptions(U, usage) {
  const D = U.derived;
  const t = U.traffic;
  const s = U.spikes;
  const rules = (list) =>
    list
      .map(
        (r) =>
          `/${r.match}/ ${Object.entries(r)
            .filter(([k]) => k !== 'match')
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
      )
      .join('; ');
  return {
    traffic: `${n(t.visitsPerDay)} visits/day (${n(D.visitsPerMonth)}/month) × ${t.staticRequestsPerVisit} static requests (${t.staticKbPerRequest} KB) + ${t.apiRequestsPerVisit} API requests (${t.apiKbPerRequest} KB); uploads ${t.uploadGbPerMonth} GB, result downloads ${t.downloadGbPerMonth} GB a month; ${t.newConnectionsPerApiRequest} new origin connection per API request (CloudFront keeps them alive) → ${M(D.apiRequests)} API requests (spikes included), ${M(D.cdnRequests)} CDN requests, ${D.cdnOutGb.toFixed(1)} GB to viewers a month`,
    spikes: `${s.eventsPerMonth} sale spike(s) a month of ${s.hoursPerEvent} h at ${s.peakApiRequestsPerSecond} API requests/s (${M(D.spikeApiRequests)} requests); autoscaled services run at their maximum for ${D.spikeHours} h a month (each spike + ${s.scaleInHoursPerEvent} h to scale in), at their minimum the rest of the ${usage.hoursPerMonth} h`,
    nat: `${U.nat.gbPerMonth} GB a month through NAT (image pulls, AWS APIs without endpoints, CRM and e-mail calls), shared by the NAT gateways`,
    interfaceEndpoints: `${U.interfaceEndpoints.gbPerEndpointPerMonth} GB a month through each interface endpoint`,
    database: `Postgres holds ${U.database.usedGb} GB; each retained day of backups adds ${U.database.dailyChangeFraction * 100}% of it; Aurora: ${U.database.aurora.storageGb} GB, ${U.database.aurora.ioMillionsPerMonth}M I/O a month, ${U.database.aurora.spikeAcu} ACU during spikes, ${U.database.aurora.activeHoursPerDay} active h/day when the minimum is 0 ACU`,
    broker: `Amazon MQ bills the message data stored: ${Object.entries(U.broker.storageGbPerNode)
      .map(([k, v]) => `${k === 'default' ? 'any instance type' : k} ${v} GB`)
      .join(', ')} per node (queues are normally near empty)`,
    efs: `EFS: ${U.efs.storageGb} GB stored, ${U.efs.readGbPerMonth} GB read and ${U.efs.writeGbPerMonth} GB written a month per file system`,
    s3: `S3 by bucket name: ${rules(U.s3.buckets)}; other buckets ${U.s3.default.storageGb} GB`,
    logs: `CloudWatch Logs ingestion per log group by name: ${rules(U.logs.groups)}; other groups ${U.logs.defaultIngestGbPerMonth} GB; stored compressed at ${U.logs.storedFractionOfIngest} of the ingested size; groups that never expire hold ${U.logs.monthsAccumulatedWhenNeverExpire} months`,
    flowLogs: `VPC flow logs: ${U.flowLogs.gbPerMonth} GB a month`,
    containerInsights: `Container Insights: ${U.containerInsights.clusterMetrics} metrics per cluster + ${U.containerInsights.metricsPerService} per service, ${U.containerInsights.performanceLogGbPerMonth} GB of performance events a month`,
    ecr: `${U.ecr.gbPerRepository} GB of images kept per ECR repository (lifecycle rules)`,
    athena: `analysts scan ${U.athena.tbScannedPerMonth} TB a month (partition pruning by dataset/date/generation)`,
    glue: `crawlers: ${U.glue.crawlerRunsPerMonth} runs × ${U.glue.crawlerMinutesPerRun} min × ${U.glue.crawlerDpus} DPU a month`,
    prometheus: `${n(U.prometheus.activeSeries)} active series scraped every ${U.prometheus.scrapeIntervalSeconds} s, ${U.prometheus.storageGb} GB stored, ${U.prometheus.queryBillionSamplesPerMonth} billion samples queried a month`,
    grafana: `Grafana users: ${U.grafana.editors} editor(s)/admin(s), ${U.grafana.viewers} viewer(s)`,
    secretsManager: `${n(U.secretsManager.apiCallsPerSecretPerMonth)} GetSecretValue calls per secret a month (task starts, rotations)`,
    kms: `${n(U.kms.requestsPerKeyPerMonth)} requests per key a month (S3 bucket keys keep this low)`,
    route53: `${n(U.route53.queriesPerZonePerMonth)} non-alias queries per zone a month`,
    codeBuild: `${U.codeBuild.buildsPerMonth} builds × ${U.codeBuild.minutesPerBuild} min a month`,
    codePipeline: `${U.codePipeline.actionMinutesPerMonth} action minutes a month`,
    email: `${n(U.email.perMonth)} e-mails a month through SES (confirmation links, batch-completed notices to owners who asked for them, dead-letter alerts to the operators)`,
    awsConfig: `${n(U.awsConfig.itemsPerMonth)} configuration items a month`,
    freeTier:
      'the always-free allowances of one AWS account a month (tools/cost/prices.json "alwaysFree"); subtracted once per AWS account',
  };
}

/**
 * Credits of the always-free allowances of one account (an environment is an account here): CloudFront requests,
 * data and functions, CloudWatch alarms, custom metrics, dashboards and 5 GB of logs, KMS requests.
 */
const fmtQ = (x) => (Number.isInteger(x) ? x.toLocaleString('en-US') : String(Number(x.toPrecision(3))));

function freeTierCredits(lines, free, account) {
  const pick = (pred) => lines.filter((l) => l.kind === 'priced' && pred(l));
  const rules = [
    [
      'CloudFront requests',
      free.cloudfrontRequests / 10_000,
      '× 10k',
      (l) => l.type === 'AWS::CloudFront::Distribution' && l.unit === '10k req',
    ],
    [
      'CloudFront data transfer out',
      free.cloudfrontDataOutGb,
      'GB',
      (l) => l.type === 'AWS::CloudFront::Distribution' && l.description.startsWith('data transfer out'),
    ],
    [
      'CloudFront Functions invocations',
      free.cloudfrontFunctionInvocations / 1e6,
      'M',
      (l) => l.unit === 'M invocations',
    ],
    [
      'CloudWatch alarm metrics',
      free.cloudwatchAlarmMetrics,
      '',
      (l) => l.unit === 'alarm-metric-month' && l.unitPrice <= 0.1,
    ],
    ['CloudWatch custom metrics', free.cloudwatchCustomMetrics, '', (l) => l.unit === 'metric-month'],
    ['CloudWatch dashboards', free.cloudwatchDashboards, '', (l) => l.unit === 'dashboard-month'],
    [
      'CloudWatch Logs ingestion',
      free.logsGb,
      'GB',
      (l) => l.unit === 'GB' && (l.type === 'AWS::Logs::LogGroup' || l.description.startsWith('Container Insights')),
    ],
    ['KMS requests', free.kmsRequests / 10_000, '× 10k', (l) => l.type === 'AWS::KMS::Key' && l.unit === '10k req'],
  ];
  const credits = [];
  for (const [what, allowance, unit, pred] of rules) {
    let left = allowance;
    let credit = 0;
    // the dearest units first, as AWS applies the allowance to the usage it covers
    for (const l of pick(pred).sort((a, b) => b.unitPrice - a.unitPrice)) {
      const q = Math.min(left, l.quantity);
      credit += q * l.unitPrice;
      left -= q;
      if (left <= 0) break;
    }
    if (credit > 0) {
      credits.push({
        stack: 'always-free tier',
        logicalId: account ? `account ${account}` : 'account',
        type: 'AWS free tier',
        region: lines[0]?.region,
        kind: 'priced',
        description: `${what}: ${fmtQ(allowance - left)}${unit ? ` ${unit}` : ''} of the ${fmtQ(allowance)} free a month`,
        quantity: -(allowance - left),
        unit: 'credit',
        unitPrice: credit / (allowance - left),
        monthly: -credit,
        assumptions: ['freeTier'],
      });
    }
  }
  return credits;
}

/**
 * `freeTier`: `'auto'` subtracts the always-free allowances from the environments whose stacks name their AWS
 * account, once per account; `true` from every environment (an unnamed account counts as its own); `false` never.
 *
 * The cost of each stage of `assembly`: `{ environments: [{ name, regions, lines, subtotal, warnings, assumptions }],
 * budget: { limit, stages, total, within, headroom, missing }, prices: { asOf, basis } }`.
 */
function estimate({ assembly, prices, usage, region, stages, freeTier = 'auto' }) {
  const environments = [];
  const creditedAccounts = new Set();
  for (const stage of assembly.stages) {
    if (stages && !stages.includes(stage.name)) continue;
    const U = stageUsage(usage, stage.name);
    const all = stage.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {}).map(([logicalId, res]) => ({ stack, logicalId, res })),
    );
    const counts = stageCounts(all);
    const warnings = [];
    const lines = [];
    const regions = new Set();
    for (const stack of stage.stacks) {
      const stackRegion = region ?? stack.region ?? usage.defaultRegion;
      regions.add(stackRegion);
      const P = regionPrices(prices, stackRegion);
      const resources = stack.template.Resources ?? {};
      const flowLogGroups = new Set();
      for (const res of Object.values(resources)) {
        if (res?.Type === 'AWS::EC2::FlowLog') {
          for (const id of refsIn([res.Properties?.LogGroupName, res.Properties?.LogDestination]))
            flowLogGroups.add(id);
        }
      }
      const ctx = {
        region: stackRegion,
        P,
        U,
        D: U.derived,
        stack,
        template: stack.template,
        all,
        counts,
        flowLogGroups,
        sesTypes: SES_TYPES,
        warn: (msg) => warnings.push(`${stack.displayName}/${msg}`),
        find: (id) => {
          if (resources[id]) return { stack, logicalId: id, res: resources[id] };
          const matches = all.filter((r) => r.logicalId === id);
          return matches.length === 1 ? matches[0] : undefined;
        },
        firstOfType: (types) => {
          const list = Array.isArray(types) ? types : [types];
          return all.find((r) => list.includes(r.res?.Type))?.logicalId;
        },
      };
      for (const [id, res] of Object.entries(resources)) {
        let out;
        try {
          out = priceResource(ctx, id, res);
        } catch (err) {
          const where = `${stage.name}: ${stack.displayName}/${id} (${res?.Type})`;
          if (err instanceof PriceError) throw new PriceError(`${where}: ${err.message}`);
          throw new Error(`${where}: ${err.message}`);
        }
        for (const l of out) {
          lines.push({
            stack: stack.displayName,
            logicalId: id,
            type: res?.Type,
            region: stackRegion,
            assumptions: [],
            ...l,
          });
        }
      }
    }
    // the always-free allowances are per account: an environment sharing an account with one before it gets none
    const accounts = [...new Set(stage.stacks.map((s) => s.account).filter(Boolean))];
    const shared = accounts.filter((a) => creditedAccounts.has(a));
    for (const a of accounts) creditedAccounts.add(a);
    const known = accounts.length > 0 && stage.stacks.every((s) => s.account);
    const credits = shared.length ? [] : freeTierCredits(lines, prices.alwaysFree, accounts.join(', '));
    const applied = credits.length > 0 && (freeTier === true || (freeTier === 'auto' && known));
    if (shared.length && freeTier) {
      warnings.push(
        `shares account ${shared.join(', ')} with another environment: the always-free tier is counted there`,
      );
    }
    const listSubtotal = lines.reduce((a, l) => a + l.monthly, 0);
    const freeTierCredit = -credits.reduce((a, l) => a + l.monthly, 0);
    if (applied) lines.push(...credits);
    const subtotal = lines.reduce((a, l) => a + l.monthly, 0);
    const texts = describeAssumptions(U, usage);
    const used = [...new Set(lines.flatMap((l) => l.assumptions))].sort();
    const assumptions = Object.fromEntries(used.map((k) => [k, texts[k] ?? JSON.stringify(U[k])]));
    environments.push({
      name: stage.name,
      regions: [...regions],
      resources: all.map((r) => ({ stack: r.stack.displayName, logicalId: r.logicalId, type: r.res?.Type })),
      accounts,
      lines,
      subtotal,
      listSubtotal,
      freeTierCredit,
      freeTierApplied: applied,
      warnings,
      assumptions,
    });
  }
  const b = usage.budget;
  const counted = environments.filter((e) => b.stages.includes(e.name));
  const total = counted.reduce((a, e) => a + e.subtotal, 0);
  const listTotal = counted.reduce((a, e) => a + e.listSubtotal, 0);
  const freeTierTotal = listTotal - counted.reduce((a, e) => a + e.freeTierCredit, 0);
  return {
    prices: { asOf: prices.asOf, basis: prices.basis, currency: prices.currency },
    freeTier: environments.some((e) => e.freeTierApplied),
    assemblyDir: assembly.dir,
    environments,
    budget: {
      limit: b.monthlyUsd,
      stages: b.stages,
      total,
      listTotal,
      freeTierTotal,
      // at list prices: a platform owner cannot plan on a free tier (credits run out, a second account gets none)
      within: listTotal <= b.monthlyUsd,
      headroom: b.monthlyUsd - listTotal,
      missing: b.stages.filter((s) => !environments.some((e) => e.name === s)),
    },
  };
}

/**
 * What keeps an estimate from being a price for every resource: a type with no pricer and not on the no-charge or
 * usage-based lists (it would cost $0 unseen), a priced line without a finite positive unit price or a finite
 * quantity, a resource with no line at all, or a $0 line that gives no reason. `[]` when every resource is priced.
 */
function coverageProblems(report) {
  const problems = [];
  for (const env of report.environments) {
    const where = (l) => `${env.name}: ${l.stack}/${l.logicalId} (${l.type})`;
    for (const l of env.lines) {
      if (l.kind === 'unknown')
        problems.push(`${where(l)}: the type has no price (add a pricer or a no-charge reason)`);
      else if (l.kind === 'priced') {
        if (!(Number.isFinite(l.unitPrice) && l.unitPrice > 0))
          problems.push(`${where(l)}: "${l.description}" has no unit price (${l.unitPrice})`);
        if (!(Number.isFinite(l.quantity) && Number.isFinite(l.monthly)))
          problems.push(`${where(l)}: "${l.description}" has quantity ${l.quantity}, monthly ${l.monthly}`);
      } else if (/^(no charge|usage-based)?\.?$/i.test(String(l.description ?? '').trim())) {
        problems.push(`${where(l)}: a $0 line without a reason ("${l.description ?? ''}")`);
      }
    }
    for (const r of env.resources ?? []) {
      if (!env.lines.some((l) => l.stack === r.stack && l.logicalId === r.logicalId))
        problems.push(`${env.name}: ${r.stack}/${r.logicalId} (${r.type}): no line in the bill`);
    }
  }
  return problems;
}

module.exports = { estimate, describeAssumptions, freeTierCredits, coverageProblems };

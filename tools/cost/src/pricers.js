// One pricing function per CloudFormation resource type. Each returns the lines of the bill that the
// resource causes: a quantity and a unit price from prices.json, or $0 with the reason (no charge,
// usage-based and within an assumption, priced with another resource). An instance class that the
// price table does not know is an error (PriceError), never a silent $0.

const { refsIn, num, str, bool, listLength, joinText } = require('./cfn');
const { priceOf } = require('./config');
const { weeklyCapacity, ScheduleError } = require('./schedule');

// ---------------------------------------------------------------------------------------------------------------
// Lines

function priced(description, quantity, unit, unitPrice, extra = {}) {
  return { kind: 'priced', description, quantity, unit, unitPrice, monthly: quantity * unitPrice, ...extra };
}
function noCharge(description) {
  return { kind: 'no-charge', description, monthly: 0 };
}
function usageBased(description, assumption) {
  return { kind: 'usage', description, monthly: 0, assumptions: assumption ? [assumption] : [] };
}

const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

function propsOf(res) {
  return res?.Properties ?? {};
}

/** The ECS services in the stage that a scalable target or registry refers to. */
function scalableTargetFor(ctx, serviceId) {
  for (const r of ctx.all) {
    if (r.res.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget' || r.stack !== ctx.stack) continue;
    const p = propsOf(r.res);
    if (str(p.ServiceNamespace, r.stack.template) !== 'ecs') continue;
    if (refsIn(p.ResourceId).has(serviceId)) return p;
    const rid = str(p.ResourceId, r.stack.template);
    const name = str(ctx.find(serviceId)?.res?.Properties?.ServiceName, ctx.template);
    if (rid && name && rid.endsWith(`/${name}`)) return p;
  }
  return undefined;
}

/**
 * Tasks at the baseline (autoscaling minimum, else DesiredCount) and at the maximum; `segments`: the shares of the
 * week at each capacity when the scalable target has scheduled actions (working hours), else one segment.
 */
function taskCounts(ctx, id, p) {
  const desired = num(p.DesiredCount, ctx.template, 1);
  const target = scalableTargetFor(ctx, id);
  if (!target) {
    const source = `DesiredCount ${desired}`;
    return { base: desired, max: desired, scaled: false, source, segments: [{ min: desired, max: desired, share: 1 }] };
  }
  const min = num(target.MinCapacity, ctx.template, desired);
  const max = num(target.MaxCapacity, ctx.template, min);
  const counts = { base: min, max, scaled: max > min, source: `autoscaling ${min}–${max}` };
  const actions = Array.isArray(target.ScheduledActions) ? target.ScheduledActions : [];
  if (actions.length === 0) return { ...counts, segments: [{ min, max, share: 1 }] };
  try {
    const segments = weeklyCapacity(
      actions.map((a) => ({
        schedule: str(a.Schedule, ctx.template),
        min: num(a.ScalableTargetAction?.MinCapacity, ctx.template, min),
        max: num(a.ScalableTargetAction?.MaxCapacity, ctx.template, max),
      })),
    );
    return { ...counts, segments, scheduled: true };
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    ctx.warn(`${id}: scheduled scaling not understood (${err.message}); priced as if always at ${min}–${max}`);
    return { ...counts, segments: [{ min, max, share: 1 }] };
  }
}

/**
 * The month as `[{ tasks, hours }]`: each segment of the week at its minimum, the spike hours (assumption `spikes`)
 * at the maximum of the segment with the largest range (spikes happen while the service is up).
 */
function taskTiers(ctx, counts) {
  const H = ctx.D.hours;
  const segs = counts.segments;
  const widest = segs.reduce((a, s) => (s.max > a.max ? s : a), segs[0]);
  const tiers = [];
  for (const s of segs) {
    const hours = s.share * H;
    const base = Math.min(s.min, s.max);
    const spikeH = s === widest && s.max > base ? Math.min(ctx.D.spikeHours, hours) : 0;
    if (hours - spikeH > 0) tiers.push({ tasks: base, hours: hours - spikeH });
    if (spikeH > 0) tiers.push({ tasks: s.max, hours: spikeH, spike: true });
  }
  return tiers;
}

/** The share of `n` tasks that a capacity provider strategy puts on FARGATE_SPOT. */
function spotShare(strategy, n) {
  if (!Array.isArray(strategy) || strategy.length === 0 || n <= 0) return 0;
  const items = strategy.map((s) => ({
    spot: s.CapacityProvider === 'FARGATE_SPOT',
    base: Number(s.Base ?? 0),
    weight: Number(s.Weight ?? 0),
  }));
  let left = n;
  let spot = 0;
  for (const it of items) {
    const b = Math.min(it.base, left);
    if (it.spot) spot += b;
    left -= b;
  }
  const totalWeight = items.reduce((a, it) => a + it.weight, 0);
  if (left > 0 && totalWeight > 0) {
    spot += (left * items.filter((it) => it.spot).reduce((a, it) => a + it.weight, 0)) / totalWeight;
  }
  return spot / n;
}

/** FARGATE or EC2, and the capacity provider strategy in force, for an ECS service. */
function launchOf(ctx, p, tdp) {
  const lt = str(p.LaunchType, ctx.template);
  if (lt) return { launch: lt, strategy: undefined };
  let strategy = Array.isArray(p.CapacityProviderStrategy) ? p.CapacityProviderStrategy : undefined;
  if (!strategy) {
    const clusterIds = refsIn(p.Cluster);
    for (const r of ctx.all) {
      if (r.res.Type !== 'AWS::ECS::ClusterCapacityProviderAssociations') continue;
      const rp = propsOf(r.res);
      if ([...refsIn(rp.Cluster)].some((c) => clusterIds.has(c)) && Array.isArray(rp.DefaultCapacityProviderStrategy)) {
        strategy = rp.DefaultCapacityProviderStrategy;
      }
    }
  }
  if (strategy?.length) {
    const fargate = strategy.every((s) => s.CapacityProvider === 'FARGATE' || s.CapacityProvider === 'FARGATE_SPOT');
    return { launch: fargate ? 'FARGATE' : 'EC2', strategy };
  }
  const compat = Array.isArray(tdp.RequiresCompatibilities) ? tdp.RequiresCompatibilities : [];
  return { launch: compat.includes('FARGATE') ? 'FARGATE' : 'EC2', strategy: undefined };
}

/** The instance type (and block devices) of an EC2 instance, launch template or launch configuration. */
function launchTemplateData(ctx, ref) {
  const ids = refsIn(ref);
  for (const lid of ids) {
    const lt = ctx.find(lid);
    if (lt?.res.Type === 'AWS::EC2::LaunchTemplate') return propsOf(lt.res).LaunchTemplateData ?? {};
    if (lt?.res.Type === 'AWS::AutoScaling::LaunchConfiguration') return propsOf(lt.res);
  }
  return {};
}

/** GB of EBS per instance by volume type, from block device mappings (else the default root volume). */
function ebsVolumes(mappings, defaultGb, template) {
  const out = [];
  if (Array.isArray(mappings)) {
    for (const m of mappings) {
      if (!m?.Ebs) continue;
      out.push({ gb: num(m.Ebs.VolumeSize, template, defaultGb), type: str(m.Ebs.VolumeType, template, 'gp3') });
    }
  }
  if (out.length === 0) out.push({ gb: defaultGb, type: 'gp3', assumed: true });
  return out;
}

function ebsLines(ctx, vols, count, what) {
  return vols.map((v) =>
    priced(
      `${what}: ${count > 1 ? `${round(count, 2)} × ` : ''}${v.gb} GB ${v.type} EBS${v.assumed ? ' (default root volume, assumed)' : ''}`,
      v.gb * count,
      'GB-month',
      priceOf(ctx.P.ebs, `${v.type}GbMonth`, 'EBS volume type', ctx.region),
    ),
  );
}

function publicIpLine(ctx, description, count, hours = ctx.D.hours) {
  return priced(description, count * hours, 'IPv4-h', ctx.P.publicIpv4Hour);
}

/** The usage entry of a list of `{match}` rules that matches a resource (logical id and literal name). */
function matchRule(rules, names, fallback) {
  const hay = names.filter(Boolean).join(' ');
  for (const r of rules ?? []) {
    if (new RegExp(r.match, 'i').test(hay)) return r;
  }
  return fallback;
}

function share(ctx, key) {
  const n = ctx.counts[key] ?? 1;
  return n > 0 ? 1 / n : 1;
}

const fmt = (x) => (Number.isInteger(x) ? x.toLocaleString('en-US') : round(x, 2).toLocaleString('en-US'));

// ---------------------------------------------------------------------------------------------------------------
// Compute

function ecsService(ctx, id, res) {
  const p = propsOf(res);
  const tdId = [...refsIn(p.TaskDefinition)][0];
  const td = tdId ? ctx.find(tdId) : undefined;
  if (td?.res.Type !== 'AWS::ECS::TaskDefinition') {
    ctx.warn(`${id}: its task definition is not in the templates of this stage; the service is not priced`);
    return [usageBased('task definition not found in the templates: not priced')];
  }
  const tdp = propsOf(td.res);
  const counts = taskCounts(ctx, id, p);
  const { launch, strategy } = launchOf(ctx, p, tdp);
  const lines = [];
  if (launch !== 'FARGATE') {
    lines.push(noCharge(`ECS on ${launch}: ${counts.source}; the instances are priced with their Auto Scaling group`));
  } else {
    const vcpu = num(tdp.Cpu, ctx.template, undefined);
    const memMiB = num(tdp.Memory, ctx.template, undefined);
    if (vcpu === undefined || memMiB === undefined) {
      throw new Error(`${id}: the Fargate task definition ${tdId} has no literal Cpu/Memory, so it cannot be priced`);
    }
    const cpu = vcpu / 1024;
    const gb = memMiB / 1024;
    const arch = str(tdp.RuntimePlatform?.CpuArchitecture, ctx.template, 'X86_64') === 'ARM64' ? 'arm64' : 'x86';
    const rate = ctx.P.fargate[arch];
    const ephemeral = Math.max(0, num(tdp.EphemeralStorage?.SizeInGiB, ctx.template, 20) - 20);
    const perTaskHour = cpu * rate.vcpuHour + gb * rate.gbHour + ephemeral * ctx.P.fargate.ephemeralGbHour;
    // each tier's tasks split over the capacity providers: a FARGATE base stays on demand, the rest may be Spot
    const tiers = taskTiers(ctx, counts).map((t) => ({ ...t, spot: spotShare(strategy, t.tasks) }));
    const hours = tiers.reduce((a, t) => a + t.tasks * t.hours, 0);
    const cost = tiers.reduce(
      (a, t) => a + t.tasks * t.hours * perTaskHour * (1 - t.spot + t.spot * ctx.P.fargate.spotFactor),
      0,
    );
    const spotHours = tiers.reduce((a, t) => a + t.tasks * t.hours * t.spot, 0);
    const spot = hours > 0 ? spotHours / hours : spotShare(strategy, counts.base);
    const spikePart = counts.scaled ? `, ${counts.max} for ${ctx.D.spikeHours} spike h` : '';
    const up = counts.segments.filter((s) => s.max > 0).reduce((a, s) => a + s.share, 0);
    const schedulePart = counts.scheduled
      ? `; scheduled: up ${Math.round(up * 100)}% of the week, 0 tasks the rest`
      : '';
    lines.push(
      priced(
        `Fargate ${arch === 'arm64' ? 'ARM64' : 'x86'} ${fmt(cpu)} vCPU / ${fmt(gb)} GB` +
          `${ephemeral ? ` + ${ephemeral} GB ephemeral` : ''}; ${counts.base} task(s) (${counts.source}${spikePart})` +
          `${schedulePart}${spot > 0 ? `; ${Math.round(spot * 100)}% on Fargate Spot` : ''}`,
        hours,
        'task-h',
        hours > 0 ? cost / hours : perTaskHour,
        {
          assumptions: counts.scaled ? ['spikes'] : [],
          meta: {
            service: id,
            vcpu: cpu,
            gb,
            arch,
            base: counts.base,
            max: counts.max,
            scaled: counts.scaled,
            spot,
            tiers,
            strategy: strategy?.map((x) => ({
              provider: x.CapacityProvider,
              base: x.Base ?? 0,
              weight: x.Weight ?? 0,
            })),
          },
        },
      ),
    );
    const net = p.NetworkConfiguration?.AwsvpcConfiguration;
    if (str(net?.AssignPublicIp, ctx.template) === 'ENABLED') {
      lines.push(publicIpLine(ctx, 'public IPv4 address per task (AssignPublicIp ENABLED)', hours / ctx.D.hours));
    }
  }
  const registries =
    (Array.isArray(p.ServiceRegistries) && p.ServiceRegistries.length > 0) ||
    bool(p.ServiceConnectConfiguration?.Enabled, ctx.template, false);
  if (registries) {
    lines.push(
      priced(
        'Cloud Map registered instances (one per baseline task)',
        counts.segments.reduce((a, seg) => a + Math.min(seg.min, seg.max) * seg.share, 0),
        'instance-month',
        ctx.P.cloudMap.instanceMonth,
      ),
    );
  }
  return lines;
}

function ecsCluster(ctx, id, res) {
  const p = propsOf(res);
  const setting = (Array.isArray(p.ClusterSettings) ? p.ClusterSettings : []).find(
    (s) => s.Name === 'containerInsights',
  );
  const value = str(setting?.Value, ctx.template, 'disabled');
  if (value !== 'enabled' && value !== 'enhanced') return [noCharge('ECS cluster (Container Insights off)')];
  const ci = ctx.U.containerInsights;
  const services = ctx.all.filter(
    (r) => r.res.Type === 'AWS::ECS::Service' && refsIn(propsOf(r.res).Cluster).has(id),
  ).length;
  const factor = value === 'enhanced' ? 2 : 1;
  const metrics = (ci.clusterMetrics + ci.metricsPerService * services) * factor;
  return [
    priced(
      `Container Insights (${value}): ${metrics} custom metrics for the cluster and ${services} service(s)`,
      metrics,
      'metric-month',
      ctx.P.cloudwatch.customMetricMonth,
      { assumptions: ['containerInsights'] },
    ),
    priced(
      'Container Insights performance log events',
      ci.performanceLogGbPerMonth * factor,
      'GB',
      ctx.P.logs.ingestGb,
      {
        assumptions: ['containerInsights'],
      },
    ),
  ];
}

/**
 * The share of the week a DB instance or EC2 instance runs when EventBridge Scheduler stops and starts it (AWS SDK
 * universal targets `aws-sdk:<kind>:stop…`/`start…` whose input names it), else 1. `names`: its literal identifier
 * and logical id.
 */
function scheduledUpShare(ctx, kind, id, names) {
  const actions = [];
  for (const r of ctx.all) {
    if (r.res?.Type !== 'AWS::Scheduler::Schedule') continue;
    const p = propsOf(r.res);
    const arn = joinText(p.Target?.Arn) || String(p.Target?.Arn ?? '');
    const m = new RegExp(`aws-sdk:${kind}:(stop|start)`, 'i').exec(arn);
    if (!m) continue;
    const input = p.Target?.Input;
    const text = JSON.stringify(input ?? '');
    if (!(refsIn(input).has(id) || names.some((n) => n && text.includes(n)))) continue;
    const up = m[1].toLowerCase() === 'start' ? 1 : 0;
    actions.push({ schedule: str(p.ScheduleExpression, r.stack.template), min: up, max: up });
  }
  if (!actions.some((a) => a.max === 0)) return { share: 1 };
  try {
    const week = weeklyCapacity(actions);
    return { share: week.filter((w) => w.max > 0).reduce((a, w) => a + w.share, 0), scheduled: true };
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    ctx.warn(`${id}: stop/start schedule not understood (${err.message}); priced as always on`);
    return { share: 1 };
  }
}

function ec2Instance(ctx, id, res) {
  const p = propsOf(res);
  const ltd = launchTemplateData(ctx, p.LaunchTemplate?.LaunchTemplateId ?? p.LaunchTemplate?.LaunchTemplateName);
  const type = str(p.InstanceType, ctx.template) ?? str(ltd.InstanceType, ctx.template);
  if (!type) throw new Error(`${id}: AWS::EC2::Instance without a literal InstanceType cannot be priced`);
  const hourly = priceOf(ctx.P.ec2, type, 'EC2 instance type', ctx.region);
  const up = scheduledUpShare(ctx, 'ec2', id, []);
  const when = up.scheduled ? `scheduled: running ${Math.round(up.share * 100)}% of the week` : 'always on';
  const lines = [
    priced(`EC2 ${type} on demand, ${when}`, ctx.D.hours * up.share, 'instance-h', hourly, {
      meta: { instanceType: type },
    }),
  ];
  lines.push(
    ...ebsLines(ctx, ebsVolumes(p.BlockDeviceMappings ?? ltd.BlockDeviceMappings, 8, ctx.template), 1, 'root volume'),
  );
  // an auto-assigned public IPv4 address is released while the instance is stopped
  if (hasPublicIp(ctx, id, p, ltd))
    lines.push(publicIpLine(ctx, 'public IPv4 address (public subnet)', 1, ctx.D.hours * up.share));
  return lines;
}

function hasPublicIp(ctx, id, p, ltd) {
  for (const r of ctx.all) {
    if (
      (r.res.Type === 'AWS::EC2::EIP' || r.res.Type === 'AWS::EC2::EIPAssociation') &&
      refsIn(propsOf(r.res).InstanceId).has(id)
    ) {
      return false; // the EIP is priced on its own line
    }
  }
  const nics = [
    ...(Array.isArray(p.NetworkInterfaces) ? p.NetworkInterfaces : []),
    ...(Array.isArray(ltd.NetworkInterfaces) ? ltd.NetworkInterfaces : []),
  ];
  if (nics.some((n) => bool(n.AssociatePublicIpAddress, ctx.template, false))) return true;
  const subnetIds = [...refsIn(p.SubnetId), ...nics.flatMap((n) => [...refsIn(n.SubnetId)])];
  return subnetIds.some((s) => bool(ctx.find(s)?.res?.Properties?.MapPublicIpOnLaunch, ctx.template, false));
}

function autoScalingGroup(ctx, id, res) {
  const p = propsOf(res);
  const ltRef =
    p.LaunchTemplate?.LaunchTemplateId ??
    p.LaunchTemplate?.LaunchTemplateName ??
    p.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId ??
    p.LaunchConfigurationName;
  const ltd = launchTemplateData(ctx, ltRef);
  const override = p.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.[0]?.InstanceType;
  const type = str(override, ctx.template) ?? str(ltd.InstanceType, ctx.template);
  if (!type) throw new Error(`${id}: the Auto Scaling group has no literal instance type, so it cannot be priced`);
  const hourly = priceOf(ctx.P.ec2, type, 'EC2 instance type', ctx.region);
  const min = num(p.MinSize, ctx.template, 0);
  const desired = num(p.DesiredCapacity, ctx.template, min);
  const max = num(p.MaxSize, ctx.template, desired);
  const forEcs = ctx.all.some(
    (r) =>
      r.res.Type === 'AWS::ECS::CapacityProvider' &&
      refsIn(propsOf(r.res).AutoScalingGroupProvider?.AutoScalingGroupArn).has(id),
  );
  const counts = { base: desired, max, scaled: forEcs && max > desired };
  counts.segments = [{ min: desired, max: counts.scaled ? max : desired, share: 1 }];
  const hours = taskTiers(ctx, counts).reduce((a, t) => a + t.tasks * t.hours, 0);
  const avg = hours / ctx.D.hours;
  const lines = [
    priced(
      `EC2 ${type} × ${desired}${counts.scaled ? ` (up to ${max} for ${ctx.D.spikeHours} spike h)` : ''}`,
      hours,
      'instance-h',
      hourly,
      { assumptions: counts.scaled ? ['spikes'] : [] },
    ),
  ];
  lines.push(
    ...ebsLines(ctx, ebsVolumes(ltd.BlockDeviceMappings, forEcs ? 30 : 8, ctx.template), avg, 'EBS per instance'),
  );
  const nics = Array.isArray(ltd.NetworkInterfaces) ? ltd.NetworkInterfaces : [];
  if (
    nics.some((n) => bool(n.AssociatePublicIpAddress, ctx.template, false)) ||
    bool(ltd.AssociatePublicIpAddress, ctx.template, false)
  ) {
    lines.push(publicIpLine(ctx, 'public IPv4 address per instance', avg));
  }
  return lines;
}

function eksCluster(ctx) {
  return [priced('EKS control plane (standard support)', ctx.D.hours, 'cluster-h', ctx.P.eks.clusterHour)];
}

function eksNodegroup(ctx, _id, res) {
  const p = propsOf(res);
  const type = str(Array.isArray(p.InstanceTypes) ? p.InstanceTypes[0] : undefined, ctx.template, 't3.medium');
  const hourly = priceOf(ctx.P.ec2, type, 'EC2 instance type', ctx.region);
  const desired = num(p.ScalingConfig?.DesiredSize, ctx.template, num(p.ScalingConfig?.MinSize, ctx.template, 2));
  return [
    priced(`EKS nodes ${type} × ${desired}`, desired * ctx.D.hours, 'instance-h', hourly),
    ...ebsLines(ctx, [{ gb: num(p.DiskSize, ctx.template, 20), type: 'gp3' }], desired, 'node disk'),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Network

function natGateway(ctx, _id, res) {
  const p = propsOf(res);
  const gb = ctx.U.nat.gbPerMonth * share(ctx, 'natGateways');
  const privateOnly = str(p.ConnectivityType, ctx.template) === 'private';
  return [
    priced(`NAT gateway${privateOnly ? ' (private)' : ''}`, ctx.D.hours, 'h', ctx.P.natGateway.hour),
    priced('NAT gateway data processing', gb, 'GB', ctx.P.natGateway.gb, { assumptions: ['nat'] }),
  ];
}

function eip(ctx) {
  return [publicIpLine(ctx, 'Elastic IP (public IPv4 address)', 1)];
}

function vpcEndpoint(ctx, _id, res) {
  const p = propsOf(res);
  const type = str(p.VpcEndpointType, ctx.template, 'Gateway');
  const service = joinText(p.ServiceName);
  if (type === 'Gateway') return [noCharge(`gateway endpoint (${shortService(service)}): no charge`)];
  const azs = listLength(p.SubnetIds, ctx.D.azs);
  return [
    priced(
      `interface endpoint ${shortService(service)} in ${azs} AZ(s)`,
      azs * ctx.D.hours,
      'AZ-h',
      ctx.P.vpcEndpoint.interfaceAzHour,
    ),
    priced(
      'interface endpoint data processed',
      ctx.U.interfaceEndpoints.gbPerEndpointPerMonth,
      'GB',
      ctx.P.vpcEndpoint.gb,
      {
        assumptions: ['interfaceEndpoints'],
      },
    ),
  ];
}

function shortService(s) {
  if (typeof s !== 'string') return '';
  const m = /com\.amazonaws\.[^.]+\.(.+)$/.exec(s);
  return m ? m[1] : s.replace(/^.*\./, '');
}

function transitGatewayAttachment(ctx) {
  return [priced('Transit Gateway attachment', ctx.D.hours, 'h', ctx.P.transitGateway.attachmentHour)];
}

function flowLog(ctx, _id, res) {
  const p = propsOf(res);
  const dest = str(p.LogDestinationType, ctx.template, 'cloud-watch-logs');
  const gb = ctx.U.flowLogs.gbPerMonth * share(ctx, 'flowLogs');
  const price = dest === 's3' ? ctx.P.logs.vendedToS3Gb : ctx.P.logs.vendedToLogsGb;
  return [priced(`VPC flow logs delivered to ${dest} (vended logs)`, gb, 'GB', price, { assumptions: ['flowLogs'] })];
}

function loadBalancer(ctx, id, res) {
  const p = propsOf(res);
  const type = str(p.Type, ctx.template, 'application');
  const scheme = str(p.Scheme, ctx.template, 'internet-facing');
  const rate = ctx.P.elb[type];
  if (!rate) throw new Error(`${id}: unknown load balancer type ${type}`);
  const azs = listLength(p.Subnets ?? p.SubnetMappings, ctx.D.azs);
  const D = ctx.D;
  const t = ctx.U.traffic;
  let lcuHours;
  let what;
  if (scheme === 'internet-facing') {
    const f = share(ctx, 'internetLoadBalancers');
    const baseHours = D.hours - D.peakHours;
    const spikeGb = (D.spikeApiRequests * t.apiKbPerRequest) / 1e6;
    const baseRps = ((D.apiRequests - D.spikeApiRequests) * f) / (baseHours * 3600);
    const baseGbph = ((D.albProcessedGb - spikeGb) * f) / baseHours;
    const peakRps = ctx.U.spikes.peakApiRequestsPerSecond * f;
    const peakGbph = (peakRps * 3600 * t.apiKbPerRequest) / 1e6 + baseGbph;
    const lcu = (rps, gbph) => Math.max((rps * t.newConnectionsPerApiRequest) / 25, gbph);
    lcuHours = lcu(baseRps, baseGbph) * baseHours + lcu(peakRps, peakGbph) * D.peakHours;
    what = `capacity units from the API traffic (${round(lcu(baseRps, baseGbph), 3)} avg, ${round(lcu(peakRps, peakGbph), 2)} at peak)`;
  } else {
    lcuHours = 0.05 * D.hours;
    what = 'capacity units, internal (0.05 LCU average, assumed)';
  }
  const lines = [
    priced(`${type} load balancer, ${scheme}`, D.hours, 'h', rate.hour),
    priced(what, lcuHours, 'LCU-h', rate.lcuHour, { assumptions: ['traffic', 'spikes'] }),
  ];
  if (scheme === 'internet-facing' && type !== 'gateway') {
    lines.push(publicIpLine(ctx, `public IPv4 addresses, one per AZ node (${azs})`, azs));
  }
  return lines;
}

function cloudFront(ctx) {
  const f = share(ctx, 'distributions');
  const D = ctx.D;
  const cf = ctx.P.cloudfront;
  return [
    priced('HTTPS requests (static + API)', (D.cdnRequests * f) / 10_000, '10k req', cf.httpsRequestsPer10k, {
      assumptions: ['traffic', 'spikes'],
    }),
    priced('data transfer out to viewers', D.cdnOutGb * f, 'GB', cf.dataOutGb, { assumptions: ['traffic'] }),
    priced('data transfer to origin (uploads)', D.originInGb * f, 'GB', cf.originOutGb, { assumptions: ['traffic'] }),
  ];
}

function cloudFrontFunction(ctx, id) {
  // which requests run it: the default behaviour (the static site) or the path behaviours (the API) too
  let onDefault = false;
  let onPaths = false;
  for (const r of ctx.all) {
    if (r.res.Type !== 'AWS::CloudFront::Distribution') continue;
    const cfg = propsOf(r.res).DistributionConfig ?? {};
    if (refsIn(cfg.DefaultCacheBehavior?.FunctionAssociations).has(id)) onDefault = true;
    if (refsIn(cfg.CacheBehaviors).has(id)) onPaths = true;
  }
  const staticOnly = onDefault && !onPaths;
  const f = share(ctx, 'distributions');
  const requests = (staticOnly ? ctx.D.staticRequests : ctx.D.cdnRequests) * f;
  return [
    priced(
      `CloudFront Functions invocations (${staticOnly ? 'static site requests' : 'every viewer request'})`,
      requests / 1e6,
      'M invocations',
      ctx.P.cloudfront.functionPerMillion,
      { assumptions: ['traffic'] },
    ),
  ];
}

function webAcl(ctx, _id, res) {
  const p = propsOf(res);
  const w = ctx.P.waf;
  const rules = Array.isArray(p.Rules) ? p.Rules : [];
  const scope = str(p.Scope, ctx.template, 'REGIONAL');
  const requests = scope === 'CLOUDFRONT' ? ctx.D.cdnRequests : ctx.D.apiRequests;
  const lines = [
    priced(`web ACL (${scope})`, 1, 'ACL-month', w.webAclMonth),
    priced(`${rules.length} rule(s) / rule group(s)`, rules.length, 'rule-month', w.ruleMonth),
    priced('requests inspected', requests / 1e6, 'M req', w.requestsPerMillion, { assumptions: ['traffic', 'spikes'] }),
  ];
  const names = JSON.stringify(rules);
  if (names.includes('AWSManagedRulesBotControlRuleSet')) {
    lines.push(priced('Bot Control subscription', 1, 'month', w.botControlMonth));
    lines.push(
      priced('Bot Control requests', requests / 1e6, 'M req', w.botControlPerMillion, { assumptions: ['traffic'] }),
    );
  }
  for (const name of ['AWSManagedRulesATPRuleSet', 'AWSManagedRulesACFPRuleSet']) {
    if (names.includes(name)) lines.push(priced(`${name} subscription`, 1, 'month', w.fraudControlMonth));
  }
  return lines;
}

function wafRuleGroup(ctx, _id, res) {
  const rules = Array.isArray(propsOf(res).Rules) ? propsOf(res).Rules.length : 1;
  return [priced(`rule group with ${rules} rule(s)`, rules, 'rule-month', ctx.P.waf.ruleMonth)];
}

function hostedZone(ctx) {
  const r = ctx.P.route53;
  return [
    priced('hosted zone', 1, 'zone-month', r.hostedZoneMonth),
    priced(
      'DNS queries (alias queries to AWS resources are free)',
      ctx.U.route53.queriesPerZonePerMonth / 1e6,
      'M queries',
      r.queriesPerMillion,
      {
        assumptions: ['route53'],
      },
    ),
  ];
}

function healthCheck(ctx, _id, res) {
  const cfg = propsOf(res).HealthCheckConfig ?? {};
  const fqdn = str(cfg.FullyQualifiedDomainName, ctx.template, '');
  const aws = /amazonaws\.com|cloudfront\.net/.test(fqdn) || fqdn === '';
  return [
    priced(
      'Route 53 health check',
      1,
      'check-month',
      aws ? ctx.P.route53.healthCheckAwsMonth : ctx.P.route53.healthCheckOtherMonth,
    ),
  ];
}

function dnsNamespace(ctx) {
  return [priced('Cloud Map DNS namespace (a Route 53 hosted zone)', 1, 'zone-month', ctx.P.route53.hostedZoneMonth)];
}

function apiGatewayV2(ctx, _id, res) {
  const proto = str(propsOf(res).ProtocolType, ctx.template, 'HTTP');
  if (proto !== 'HTTP')
    return [usageBased(`API Gateway ${proto} API: usage-based (messages, connection minutes)`, 'traffic')];
  return [
    priced('HTTP API requests', ctx.D.apiRequests / 1e6, 'M req', ctx.P.apiGateway.httpPerMillion, {
      assumptions: ['traffic', 'spikes'],
    }),
  ];
}

function restApi(ctx) {
  return [
    priced('REST API requests', ctx.D.apiRequests / 1e6, 'M req', ctx.P.apiGateway.restPerMillion, {
      assumptions: ['traffic', 'spikes'],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Data

function dbClusterOf(ctx, p) {
  for (const c of refsIn(p.DBClusterIdentifier)) {
    const r = ctx.find(c);
    if (r?.res.Type === 'AWS::RDS::DBCluster') return { id: c, p: propsOf(r.res) };
  }
  return undefined;
}

function rdsInstance(ctx, id, res) {
  const p = propsOf(res);
  const cls = str(p.DBInstanceClass, ctx.template);
  if (!cls) throw new Error(`${id}: AWS::RDS::DBInstance without a literal DBInstanceClass cannot be priced`);
  const cluster = dbClusterOf(ctx, p);
  const engine = (str(p.Engine, ctx.template) ?? str(cluster?.p.Engine, ctx.template) ?? 'postgres').toLowerCase();
  const H = ctx.D.hours;
  if (engine.startsWith('aurora') || cluster) {
    if (cls === 'db.serverless') {
      const sv2 = cluster?.p.ServerlessV2ScalingConfiguration ?? {};
      const min = num(sv2.MinCapacity, ctx.template, 0.5);
      const max = num(sv2.MaxCapacity, ctx.template, 16);
      const a = ctx.U.database.aurora;
      const spikeAcu = Math.min(max, Math.max(min, a.spikeAcu));
      const spikeH = Math.min(ctx.D.spikeHours, H);
      const activeH = min === 0 ? Math.min(H, a.activeHoursPerDay * (H / 24)) : H;
      const idleAcu = Math.max(min, 0.5);
      const acuHours = idleAcu * Math.max(0, activeH - spikeH) + spikeAcu * spikeH;
      return [
        priced(
          `Aurora Serverless v2 ${min}–${max} ACU (${idleAcu} ACU ${min === 0 ? `for ${round(activeH)} active h, paused otherwise` : 'idle'}, ${spikeAcu} ACU for ${spikeH} spike h)`,
          acuHours,
          'ACU-h',
          ctx.P.aurora.serverlessV2AcuHour,
          { assumptions: ['database', 'spikes'] },
        ),
      ];
    }
    const hourly = priceOf(ctx.P.aurora.instances, cls, 'Aurora instance class', ctx.region);
    return [priced(`Aurora instance ${cls}`, H, 'instance-h', hourly)];
  }
  const hourly = priceOf(ctx.P.rds.postgres, cls, 'RDS instance class', ctx.region);
  const multiAz = bool(p.MultiAZ, ctx.template, false);
  const n = multiAz ? 2 : 1;
  const storageType = str(p.StorageType, ctx.template, num(p.Iops, ctx.template, 0) ? 'io1' : 'gp2');
  const gb = num(p.AllocatedStorage, ctx.template, 20);
  const up = scheduledUpShare(ctx, 'rds', id, [str(p.DBInstanceIdentifier, ctx.template)]);
  const lines = [
    priced(
      `RDS ${engine} ${cls} ${multiAz ? 'multi-AZ (primary + standby)' : 'single-AZ'}` +
        `${up.scheduled ? `; scheduled: running ${Math.round(up.share * 100)}% of the week (storage billed all month)` : ''}`,
      H * n * up.share,
      'instance-h',
      hourly,
      {
        meta: { instanceClass: cls, multiAz, gb, storageType },
      },
    ),
    priced(
      `${gb} GB ${storageType} storage${multiAz ? ' × 2 (standby)' : ''}`,
      gb * n,
      'GB-month',
      priceOf(ctx.P.rds.storageGbMonth, storageType, 'RDS storage type', ctx.region),
    ),
  ];
  const iops = num(p.Iops, ctx.template, 0);
  if (iops && (storageType === 'io1' || storageType === 'io2')) {
    lines.push(
      priced(
        `${iops} provisioned IOPS${multiAz ? ' × 2' : ''}`,
        iops * n,
        'IOPS-month',
        ctx.P.rds.provisionedIopsMonth,
      ),
    );
  }
  if (!p.SourceDBInstanceIdentifier) {
    const retention = num(p.BackupRetentionPeriod, ctx.template, 1);
    const d = ctx.U.database;
    const backupGb = retention > 0 ? d.usedGb * (1 + d.dailyChangeFraction * (retention - 1)) : 0;
    const billable = Math.max(0, backupGb - gb);
    lines.push(
      priced(
        `automated backups, ${retention} day(s): ~${round(backupGb, 1)} GB, free up to the ${gb} GB provisioned`,
        billable,
        'GB-month',
        ctx.P.rds.backupGbMonth,
        { assumptions: ['database'] },
      ),
    );
  }
  if (bool(p.ManageMasterUserPassword, ctx.template, false)) {
    lines.push(
      priced('RDS-managed master user secret (Secrets Manager)', 1, 'secret-month', ctx.P.secretsManager.secretMonth),
    );
  }
  return lines;
}

function rdsCluster(ctx, _id, res) {
  const p = propsOf(res);
  const engine = str(p.Engine, ctx.template, 'aurora-postgresql');
  if (engine.startsWith('aurora')) {
    const a = ctx.U.database.aurora;
    const optimized = str(p.StorageType, ctx.template) === 'aurora-iopt1';
    return [
      priced(
        `Aurora storage${optimized ? ' (I/O-Optimized: × 2.25, no I/O charge)' : ''}`,
        a.storageGb,
        'GB-month',
        ctx.P.aurora.storageGbMonth * (optimized ? 2.25 : 1),
        {
          assumptions: ['database'],
        },
      ),
      priced('Aurora I/O requests', optimized ? 0 : a.ioMillionsPerMonth, 'M I/O', ctx.P.aurora.ioPerMillion, {
        assumptions: ['database'],
      }),
    ];
  }
  const cls = str(p.DBClusterInstanceClass, ctx.template);
  if (!cls) return [noCharge('DB cluster (instances priced separately)')];
  const hourly = priceOf(ctx.P.rds.postgres, cls, 'RDS instance class', ctx.region);
  const gb = num(p.AllocatedStorage, ctx.template, 20);
  const storageType = str(p.StorageType, ctx.template, 'gp3');
  return [
    priced(`Multi-AZ DB cluster ${cls} × 3 (writer + 2 readable standbys)`, 3 * ctx.D.hours, 'instance-h', hourly),
    priced(
      `${gb} GB ${storageType} storage × 3`,
      3 * gb,
      'GB-month',
      priceOf(ctx.P.rds.storageGbMonth, storageType, 'RDS storage type', ctx.region),
    ),
  ];
}

function mqBroker(ctx, id, res) {
  const p = propsOf(res);
  const engine = str(p.EngineType, ctx.template, 'RABBITMQ').toLowerCase();
  const type = str(p.HostInstanceType, ctx.template);
  if (!type) throw new Error(`${id}: AWS::AmazonMQ::Broker without a literal HostInstanceType cannot be priced`);
  const table = ctx.P.mq[engine];
  if (!table) throw new Error(`${id}: no Amazon MQ prices for engine ${engine}`);
  const hourly = priceOf(table, type, `Amazon MQ (${engine}) broker instance type`, ctx.region);
  const mode = str(p.DeploymentMode, ctx.template, 'SINGLE_INSTANCE');
  const nodes = mode === 'CLUSTER_MULTI_AZ' ? 3 : mode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
  if (mode === 'CLUSTER_MULTI_AZ' && type === 'mq.t3.micro')
    ctx.warn(`${id}: mq.t3.micro cannot be used for a CLUSTER_MULTI_AZ broker`);
  const storage = ctx.U.broker.storageGbPerNode;
  const gb = storage[type] ?? storage.default;
  return [
    priced(
      `Amazon MQ ${engine} ${type} ${mode}${nodes > 1 ? ` (${nodes} nodes)` : ''}`,
      nodes * ctx.D.hours,
      'broker-h',
      hourly,
      {
        meta: { instanceType: type, mode },
      },
    ),
    priced(`broker storage ${gb} GB per node`, gb * nodes, 'GB-month', ctx.P.mq.storageGbMonth, {
      assumptions: ['broker'],
    }),
  ];
}

function efsFileSystem(ctx, _id, res) {
  const p = propsOf(res);
  const e = ctx.U.efs;
  const f = ctx.P.efs;
  const lines = [priced('EFS Standard storage', e.storageGb, 'GB-month', f.standardGbMonth, { assumptions: ['efs'] })];
  const mode = str(p.ThroughputMode, ctx.template, 'bursting');
  if (mode === 'elastic') {
    lines.push(
      priced(
        `Elastic throughput (${e.readGbPerMonth} GB read, ${e.writeGbPerMonth} GB written)`,
        1,
        'month',
        e.readGbPerMonth * f.elasticReadGb + e.writeGbPerMonth * f.elasticWriteGb,
        { assumptions: ['efs'] },
      ),
    );
  } else if (mode === 'provisioned') {
    const mibps = num(p.ProvisionedThroughputInMibps, ctx.template, 1);
    lines.push(priced(`provisioned throughput ${mibps} MiB/s`, mibps, 'MiBps-month', f.provisionedMibpsMonth));
  }
  return lines;
}

function s3Bucket(ctx, id, res) {
  const p = propsOf(res);
  const name = str(p.BucketName, ctx.template);
  const rule = matchRule(ctx.U.s3.buckets, [id, name], ctx.U.s3.default);
  const s = ctx.P.s3;
  const requests = (rule.putsPerMonth / 1000) * s.putPer1000 + (rule.getsPerMonth / 1000) * s.getPer1000;
  const versioned = str(p.VersioningConfiguration?.Status, ctx.template) === 'Enabled';
  return [
    priced(
      `S3 Standard storage${rule.match ? ` (matches "${rule.match.split('|')[0]}")` : ''}${versioned ? ', versioned' : ''}`,
      rule.storageGb,
      'GB-month',
      s.standardGbMonth,
      {
        assumptions: ['s3'],
      },
    ),
    priced(`requests: ${fmt(rule.putsPerMonth)} PUT/LIST + ${fmt(rule.getsPerMonth)} GET`, 1, 'month', requests, {
      assumptions: ['s3'],
    }),
  ];
}

function elastiCache(ctx, id, res) {
  const p = propsOf(res);
  const type = str(p.CacheNodeType, ctx.template);
  if (!type) throw new Error(`${id}: ElastiCache without a literal CacheNodeType cannot be priced`);
  const hourly = priceOf(ctx.P.elasticache, type, 'ElastiCache node type', ctx.region);
  let nodes;
  if (res.Type === 'AWS::ElastiCache::CacheCluster') nodes = num(p.NumCacheNodes, ctx.template, 1);
  else
    nodes = num(
      p.NumCacheClusters,
      ctx.template,
      num(p.NumNodeGroups, ctx.template, 1) * (num(p.ReplicasPerNodeGroup, ctx.template, 0) + 1),
    );
  return [priced(`ElastiCache ${type} × ${nodes}`, nodes * ctx.D.hours, 'node-h', hourly)];
}

function serverlessCache(ctx) {
  return [
    priced(
      'ElastiCache Serverless minimum (data stored + ECPUs beyond are usage-based)',
      1,
      'month',
      ctx.P.elasticache.serverlessMinimumMonth,
    ),
  ];
}

function ebsVolume(ctx, _id, res) {
  const p = propsOf(res);
  return ebsLines(
    ctx,
    [{ gb: num(p.Size, ctx.template, 8), type: str(p.VolumeType, ctx.template, 'gp3') }],
    1,
    'EBS volume',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Security

function secret(ctx) {
  const s = ctx.P.secretsManager;
  return [
    priced('secret', 1, 'secret-month', s.secretMonth),
    priced('API calls', ctx.U.secretsManager.apiCallsPerSecretPerMonth / 10_000, '10k calls', s.apiCallsPer10k, {
      assumptions: ['secretsManager'],
    }),
  ];
}

function kmsKey(ctx, _id, res) {
  const p = propsOf(res);
  const k = ctx.P.kms;
  const rotation = bool(p.EnableKeyRotation, ctx.template, false);
  return [
    priced(
      `customer managed key${rotation ? ' (rotation on: +$1/month for each of the first two rotations)' : ''}`,
      1,
      'key-month',
      k.keyMonth,
    ),
    priced('key requests', ctx.U.kms.requestsPerKeyPerMonth / 10_000, '10k req', k.requestsPer10k, {
      assumptions: ['kms'],
    }),
  ];
}

function ssmParameter(ctx, _id, res) {
  return str(propsOf(res).Tier, ctx.template, 'Standard') === 'Advanced'
    ? [priced('advanced parameter', 1, 'parameter-month', ctx.P.ssm.advancedParameterMonth)]
    : [noCharge('standard parameter: no charge')];
}

// ---------------------------------------------------------------------------------------------------------------
// Observability

function logGroup(ctx, id, res) {
  const p = propsOf(res);
  const L = ctx.U.logs;
  const name = str(p.LogGroupName, ctx.template);
  const fromFlowLog = ctx.flowLogGroups.has(id);
  const ingest = fromFlowLog
    ? ctx.U.flowLogs.gbPerMonth * share(ctx, 'flowLogs')
    : matchRule(L.groups, [id, name], { ingestGbPerMonth: L.defaultIngestGbPerMonth }).ingestGbPerMonth;
  const retentionDays = num(p.RetentionInDays, ctx.template, undefined);
  const months = retentionDays === undefined ? L.monthsAccumulatedWhenNeverExpire : retentionDays / (ctx.D.hours / 24);
  const stored = ingest * L.storedFractionOfIngest * months;
  const infrequent = str(p.LogGroupClass, ctx.template) === 'INFREQUENT_ACCESS';
  const lines = [];
  if (fromFlowLog) lines.push(noCharge('ingestion of VPC flow logs is priced with the flow log'));
  else {
    lines.push(
      priced(
        `log ingestion${infrequent ? ' (Infrequent Access class)' : ''}`,
        ingest,
        'GB',
        infrequent ? ctx.P.logs.infrequentIngestGb : ctx.P.logs.ingestGb,
        {
          assumptions: ['logs'],
        },
      ),
    );
  }
  lines.push(
    priced(
      `log storage, retention ${retentionDays === undefined ? `never expires (${L.monthsAccumulatedWhenNeverExpire} months accumulated)` : `${retentionDays} d`}`,
      stored,
      'GB-month',
      ctx.P.logs.storageGbMonth,
      { assumptions: ['logs'] },
    ),
  );
  return lines;
}

function metricFilter(ctx, _id, res) {
  const n = listLength(propsOf(res).MetricTransformations, 1);
  return [priced('custom metric(s) from a metric filter', n, 'metric-month', ctx.P.cloudwatch.customMetricMonth)];
}

function alarm(ctx, _id, res) {
  const p = propsOf(res);
  const cw = ctx.P.cloudwatch;
  let metrics = 1;
  let period = num(p.Period, ctx.template, 60);
  let anomaly = false;
  if (Array.isArray(p.Metrics)) {
    const stats = p.Metrics.filter((m) => m.MetricStat);
    metrics = Math.max(1, stats.length);
    anomaly = p.Metrics.some(
      (m) => typeof m.Expression === 'string' && m.Expression.includes('ANOMALY_DETECTION_BAND'),
    );
    const periods = stats.map((m) => num(m.MetricStat.Period, ctx.template, 60));
    if (periods.length) period = Math.min(...periods);
  }
  if (anomaly) metrics *= 3;
  const high = period < 60;
  return [
    priced(
      `${high ? 'high-resolution ' : ''}${anomaly ? 'anomaly detection ' : ''}alarm on ${metrics} metric(s)`,
      metrics,
      'alarm-metric-month',
      high ? cw.highResAlarmMetricMonth : cw.alarmMetricMonth,
    ),
  ];
}

function compositeAlarm(ctx) {
  return [priced('composite alarm', 1, 'alarm-month', ctx.P.cloudwatch.compositeAlarmMonth)];
}

function dashboard(ctx) {
  return [priced('CloudWatch dashboard', 1, 'dashboard-month', ctx.P.cloudwatch.dashboardMonth)];
}

function scalingPolicy(ctx, _id, res) {
  const p = propsOf(res);
  const tracking = p.TargetTrackingScalingPolicyConfiguration ?? p.TargetTrackingConfiguration;
  if (!tracking) return [noCharge('step/simple scaling policy (its alarms are priced as alarms)')];
  return [
    priced(
      'target tracking: 2 alarms created by AWS (high and low)',
      2,
      'alarm-metric-month',
      ctx.P.cloudwatch.alarmMetricMonth,
    ),
  ];
}

function apsWorkspace(ctx) {
  const m = ctx.U.prometheus;
  const a = ctx.P.amp;
  const samples = m.activeSeries * ((ctx.D.hours * 3600) / m.scrapeIntervalSeconds);
  return [
    priced(
      `metric samples ingested (${fmt(m.activeSeries)} series every ${m.scrapeIntervalSeconds} s)`,
      samples / 1e7,
      '10M samples',
      a.samplesPer10M,
      {
        assumptions: ['prometheus'],
      },
    ),
    priced('metric storage', m.storageGb, 'GB-month', a.storageGbMonth, { assumptions: ['prometheus'] }),
    priced(
      'query samples processed (dashboards, rules)',
      m.queryBillionSamplesPerMonth,
      'B samples',
      a.queryPerBillionSamples,
      {
        assumptions: ['prometheus'],
      },
    ),
  ];
}

function grafanaWorkspace(ctx) {
  const g = ctx.U.grafana;
  return [
    priced('Grafana editors/admins', g.editors, 'user-month', ctx.P.grafana.editorMonth, { assumptions: ['grafana'] }),
    priced('Grafana viewers', g.viewers, 'user-month', ctx.P.grafana.viewerMonth, { assumptions: ['grafana'] }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Lake and delivery

function athenaWorkGroup(ctx) {
  const f = share(ctx, 'athenaWorkGroups');
  return [athenaQueries(ctx, f)];
}

function athenaQueries(ctx, f = 1) {
  return priced(
    'Athena queries by analysts (data scanned)',
    ctx.U.athena.tbScannedPerMonth * f,
    'TB',
    ctx.P.athena.perTbScanned,
    {
      assumptions: ['athena'],
    },
  );
}

function glueDatabase(ctx, id) {
  const lines = [noCharge('Glue Data Catalog database: within the free first million objects and requests')];
  if ((ctx.counts.athenaWorkGroups ?? 0) === 0 && ctx.firstOfType('AWS::Glue::Database') === id) {
    lines.push(athenaQueries(ctx)); // no workgroup in the templates: analysts use the primary one
  }
  return lines;
}

function glueCrawler(ctx) {
  const g = ctx.U.glue;
  const dpuHours =
    (g.crawlerRunsPerMonth * g.crawlerMinutesPerRun * g.crawlerDpus) / 60 / Math.max(1, ctx.counts.glueCrawlers ?? 1);
  return [priced('Glue crawler runs', dpuHours, 'DPU-h', ctx.P.glue.crawlerDpuHour, { assumptions: ['glue'] })];
}

function ecrRepository(ctx) {
  return [
    priced('ECR image storage', ctx.U.ecr.gbPerRepository, 'GB-month', ctx.P.ecr.storageGbMonth, {
      assumptions: ['ecr'],
    }),
  ];
}

function codeBuild(ctx, _id, res) {
  const env = propsOf(res).Environment ?? {};
  const arm = str(env.Type, ctx.template, '').startsWith('ARM');
  const c = ctx.U.codeBuild;
  const minutes = c.buildsPerMonth * c.minutesPerBuild * share(ctx, 'codeBuildProjects');
  return [
    priced(
      `CodeBuild ${arm ? 'ARM' : 'Linux'} build minutes`,
      minutes,
      'min',
      arm ? ctx.P.codeBuild.armMinute : ctx.P.codeBuild.minute,
      { assumptions: ['codeBuild'] },
    ),
  ];
}

function codePipeline(ctx, _id, res) {
  const type = str(propsOf(res).PipelineType, ctx.template, 'V1');
  if (type === 'V2') {
    const min = ctx.U.codePipeline.actionMinutesPerMonth * share(ctx, 'pipelines');
    return [
      priced('CodePipeline V2 action minutes', min, 'action-min', ctx.P.codePipeline.v2ActionMinute, {
        assumptions: ['codePipeline'],
      }),
    ];
  }
  return [priced('CodePipeline V1 active pipeline', 1, 'pipeline-month', ctx.P.codePipeline.v1PipelineMonth)];
}

function ses(ctx, id) {
  if (ctx.firstOfType(ctx.sesTypes) !== id) return [noCharge('SES: emails priced on the first SES resource')];
  return [
    priced('emails sent', ctx.U.email.perMonth / 1000, '1000 emails', ctx.P.ses.per1000Emails, {
      assumptions: ['email'],
    }),
  ];
}

function configRecorder(ctx) {
  return [
    priced('configuration items recorded', ctx.U.awsConfig.itemsPerMonth, 'item', ctx.P.config.perConfigurationItem, {
      assumptions: ['awsConfig'],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// The table

const PRICERS = {
  'AWS::ECS::Service': ecsService,
  'AWS::ECS::Cluster': ecsCluster,
  'AWS::EC2::Instance': ec2Instance,
  'AWS::AutoScaling::AutoScalingGroup': autoScalingGroup,
  'AWS::EKS::Cluster': eksCluster,
  'AWS::EKS::Nodegroup': eksNodegroup,
  'AWS::EC2::NatGateway': natGateway,
  'AWS::EC2::EIP': eip,
  'AWS::EC2::VPCEndpoint': vpcEndpoint,
  'AWS::EC2::TransitGatewayAttachment': transitGatewayAttachment,
  'AWS::EC2::TransitGatewayVpcAttachment': transitGatewayAttachment,
  'AWS::EC2::FlowLog': flowLog,
  'AWS::EC2::Volume': ebsVolume,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': loadBalancer,
  'AWS::CloudFront::Distribution': cloudFront,
  'AWS::CloudFront::Function': cloudFrontFunction,
  'AWS::WAFv2::WebACL': webAcl,
  'AWS::WAFv2::RuleGroup': wafRuleGroup,
  'AWS::Route53::HostedZone': hostedZone,
  'AWS::Route53::HealthCheck': healthCheck,
  'AWS::ServiceDiscovery::PrivateDnsNamespace': dnsNamespace,
  'AWS::ServiceDiscovery::PublicDnsNamespace': dnsNamespace,
  'AWS::ApiGatewayV2::Api': apiGatewayV2,
  'AWS::ApiGateway::RestApi': restApi,
  'AWS::RDS::DBInstance': rdsInstance,
  'AWS::RDS::DBCluster': rdsCluster,
  'AWS::AmazonMQ::Broker': mqBroker,
  'AWS::EFS::FileSystem': efsFileSystem,
  'AWS::S3::Bucket': s3Bucket,
  'AWS::ElastiCache::CacheCluster': elastiCache,
  'AWS::ElastiCache::ReplicationGroup': elastiCache,
  'AWS::ElastiCache::ServerlessCache': serverlessCache,
  'AWS::SecretsManager::Secret': secret,
  'AWS::KMS::Key': kmsKey,
  'AWS::SSM::Parameter': ssmParameter,
  'AWS::Logs::LogGroup': logGroup,
  'AWS::Logs::MetricFilter': metricFilter,
  'AWS::CloudWatch::Alarm': alarm,
  'AWS::CloudWatch::CompositeAlarm': compositeAlarm,
  'AWS::CloudWatch::Dashboard': dashboard,
  'AWS::ApplicationAutoScaling::ScalingPolicy': scalingPolicy,
  'AWS::AutoScaling::ScalingPolicy': scalingPolicy,
  'AWS::APS::Workspace': apsWorkspace,
  'AWS::Grafana::Workspace': grafanaWorkspace,
  'AWS::Athena::WorkGroup': athenaWorkGroup,
  'AWS::Glue::Database': glueDatabase,
  'AWS::Glue::Crawler': glueCrawler,
  'AWS::ECR::Repository': ecrRepository,
  'AWS::CodeBuild::Project': codeBuild,
  'AWS::CodePipeline::Pipeline': codePipeline,
  'AWS::SES::ConfigurationSet': ses,
  'AWS::SES::EmailIdentity': ses,
  'AWS::Config::ConfigurationRecorder': configRecorder,
};

/** Types with no charge of their own (configuration, wiring, or priced through another resource). */
const NO_CHARGE = {
  'AWS::CDK::Metadata': 'no charge: CDK metadata (template bookkeeping)',
  'AWS::CloudFormation::Stack': 'nested stack: its resources are priced from its own template',
  'AWS::CloudFormation::CustomResource': 'custom resource (a Lambda run at deploy time, within the free tier)',
  'AWS::CloudFormation::WaitConditionHandle': 'no charge: a CloudFormation deployment marker',
  'AWS::ECS::TaskDefinition': 'priced with the ECS service that runs it',
  'AWS::ECS::ClusterCapacityProviderAssociations':
    'no charge: which capacity providers a cluster uses (tasks are priced with their service)',
  'AWS::ECS::CapacityProvider': 'no charge (instances priced with the Auto Scaling group)',
  'AWS::EC2::VPC':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::Subnet':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::RouteTable':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::Route':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::SubnetRouteTableAssociation':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::InternetGateway': 'no charge (data transfer out is priced with the CDN)',
  'AWS::EC2::EgressOnlyInternetGateway':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::VPCGatewayAttachment':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::SecurityGroup':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::SecurityGroupIngress':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::SecurityGroupEgress':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::NetworkAcl':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::NetworkAclEntry':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::SubnetNetworkAclAssociation':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::VPCCidrBlock':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::DHCPOptions':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::VPCDHCPOptionsAssociation':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::LaunchTemplate': 'priced with the instance or Auto Scaling group that uses it',
  'AWS::EC2::EIPAssociation': 'priced with the Elastic IP',
  'AWS::EC2::PrefixList':
    'no charge: network configuration (traffic is priced with NAT, endpoints, the load balancer and the CDN)',
  'AWS::EC2::KeyPair': 'no charge: an SSH key pair',
  'AWS::AutoScaling::LaunchConfiguration': 'priced with the Auto Scaling group',
  'AWS::AutoScaling::LifecycleHook': 'no charge: configuration of a resource priced on its own line',
  'AWS::ElasticLoadBalancingV2::Listener': 'priced with the load balancer (LCU)',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'priced with the load balancer (LCU)',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate': 'no charge: configuration of a resource priced on its own line',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'no charge (its range prices the ECS service)',
  'AWS::Route53::RecordSet': 'no charge (alias queries are free)',
  'AWS::Route53::RecordSetGroup': 'no charge (alias queries are free)',
  'AWS::CertificateManager::Certificate': 'public ACM certificate: no charge',
  'AWS::KMS::Alias': 'no charge: configuration of a resource priced on its own line',
  'AWS::S3::BucketPolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::SNS::Subscription': 'no charge: configuration of a resource priced on its own line',
  'AWS::SNS::TopicPolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::SQS::QueuePolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::Lambda::Permission': 'no charge: a policy on a resource priced on its own line',
  'AWS::Lambda::EventSourceMapping': 'no charge: configuration of a resource priced on its own line',
  'AWS::Lambda::Version': 'no charge: configuration of a resource priced on its own line',
  'AWS::Lambda::Alias': 'no charge: configuration of a resource priced on its own line',
  'AWS::Lambda::LayerVersion': 'no charge: configuration of a resource priced on its own line',
  'AWS::Logs::SubscriptionFilter': 'no charge: configuration of a resource priced on its own line',
  'AWS::Logs::ResourcePolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::Logs::LogStream': 'no charge: configuration of a resource priced on its own line',
  'AWS::Logs::QueryDefinition': 'saved Logs Insights query: no charge (running it is billed per GB scanned)',
  'AWS::CloudFront::OriginAccessControl':
    'no charge: distribution configuration (requests and bytes are priced with the distribution)',
  'AWS::CloudFront::CloudFrontOriginAccessIdentity':
    'no charge: distribution configuration (requests and bytes are priced with the distribution)',
  'AWS::CloudFront::CachePolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::CloudFront::OriginRequestPolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::CloudFront::ResponseHeadersPolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::WAFv2::WebACLAssociation': 'no charge: configuration of a resource priced on its own line',
  'AWS::WAFv2::IPSet': 'no charge: referenced by a web ACL, which is priced (per ACL and rule)',
  'AWS::WAFv2::RegexPatternSet': 'no charge: referenced by a web ACL, which is priced (per ACL and rule)',
  'AWS::WAFv2::LoggingConfiguration': 'no charge (the log destination is priced)',
  'AWS::SecretsManager::SecretTargetAttachment': 'no charge: configuration of a resource priced on its own line',
  'AWS::SecretsManager::RotationSchedule': 'no charge (the rotation Lambda is within the free tier)',
  'AWS::SecretsManager::ResourcePolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::RDS::DBSubnetGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::RDS::DBParameterGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::RDS::DBClusterParameterGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::RDS::OptionGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::ElastiCache::SubnetGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::ElastiCache::ParameterGroup': 'no charge: configuration of a resource priced on its own line',
  'AWS::AmazonMQ::Configuration': 'no charge: configuration of a resource priced on its own line',
  'AWS::AmazonMQ::ConfigurationAssociation': 'no charge: configuration of a resource priced on its own line',
  'AWS::EFS::MountTarget': 'no charge: configuration of a resource priced on its own line',
  'AWS::EFS::AccessPoint': 'no charge: configuration of a resource priced on its own line',
  'AWS::ECR::RegistryPolicy': 'no charge: a policy on a resource priced on its own line',
  'AWS::ECR::ReplicationConfiguration': 'no charge: configuration of a resource priced on its own line',
  'AWS::Events::Rule': 'no charge (AWS service events on the default bus)',
  'AWS::Glue::Table': 'Glue Data Catalog table: within the free first million objects',
  'AWS::Glue::Partition': 'Glue Data Catalog partition: within the free first million objects',
  'AWS::Athena::NamedQuery': 'no charge: queries are priced per TB scanned with the workgroup',
  'AWS::Athena::PreparedStatement': 'no charge: queries are priced per TB scanned with the workgroup',
  'AWS::Athena::DataCatalog': 'no charge: queries are priced per TB scanned with the workgroup',
  'AWS::ServiceDiscovery::Service': 'no charge (registered instances are priced with the ECS service)',
  'AWS::ServiceDiscovery::HttpNamespace':
    'no charge: an HTTP namespace (registered instances are priced with the ECS service)',
  'AWS::APS::RuleGroupsNamespace': 'rule evaluation is priced as query samples on the workspace',
  'AWS::IAM::Role': 'no charge: IAM is free',
  'AWS::IAM::Policy': 'no charge: IAM is free',
  'AWS::IAM::ManagedPolicy': 'no charge: IAM is free',
  'AWS::IAM::InstanceProfile': 'no charge: IAM is free',
  'AWS::IAM::User': 'no charge: IAM is free',
  'AWS::IAM::Group': 'no charge: IAM is free',
  'AWS::IAM::OIDCProvider': 'no charge: IAM is free',
  'AWS::IAM::ServiceLinkedRole': 'no charge: IAM is free',
  'AWS::Cognito::UserPoolClient': 'no charge: configuration of a user pool, priced as usage',
  'AWS::Cognito::UserPoolDomain': 'no charge: configuration of a user pool, priced as usage',
  'AWS::ApiGatewayV2::Stage': 'priced with the API',
  'AWS::ApiGatewayV2::Route': 'priced with the API',
  'AWS::ApiGatewayV2::Integration': 'priced with the API',
  'AWS::ApiGatewayV2::Authorizer': 'priced with the API',
  'AWS::ApiGatewayV2::VpcLink': 'no charge: HTTP API VPC links are free (requests are priced with the API)',
  'AWS::CodeStarConnections::Connection': 'no charge: a connection to a code host',
  'AWS::CodeConnections::Connection': 'no charge: a connection to a code host',
  'AWS::Backup::BackupSelection': 'no charge: configuration of a resource priced on its own line',
  'AWS::Chatbot::SlackChannelConfiguration': 'no charge: configuration of a resource priced on its own line',
  'AWS::Budgets::Budget': 'no charge (the first two budgets are free)',
  'AWS::SNS::Topic': 'usage-based: notifications well within the free tier',
  'AWS::SQS::Queue': 'usage-based: requests well within the free first million',
  'AWS::Lambda::Function': 'usage-based: within the Lambda free tier at this volume',
  'AWS::Events::EventBus': 'usage-based: custom events at $1/million, negligible here',
  'AWS::Scheduler::Schedule': 'usage-based: within the free 14 million invocations',
  'AWS::StepFunctions::StateMachine': 'usage-based: state transitions, negligible here',
  'AWS::Cognito::UserPool': 'usage-based: within the free 10,000 monthly active users',
  'AWS::CloudTrail::Trail': 'first management-events trail: no charge',
  'AWS::EKS::FargateProfile': 'usage-based: pods billed like Fargate tasks',
  'AWS::Serverless::Application':
    'Serverless Application Repository app (e.g. a rotation Lambda): within the Lambda free tier',
  'AWS::SSM::Document': 'no charge: a Systems Manager document you own',
  'AWS::Route53::KeySigningKey': 'no charge (DNSSEC signing uses a KMS key, priced as a key)',
  'AWS::Route53::DNSSEC': 'no charge: DNSSEC signing switched on (its KMS key is priced as a key)',
  'AWS::ECR::PullThroughCacheRule': 'no charge (cached images are priced as ECR storage)',
};

/** Types listed as usage-based rather than no charge (the report says which assumption covers them). */
const USAGE_TYPES = new Set([
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Lambda::Function',
  'AWS::Events::EventBus',
  'AWS::Scheduler::Schedule',
  'AWS::StepFunctions::StateMachine',
  'AWS::Cognito::UserPool',
  'AWS::EKS::FargateProfile',
  'AWS::Backup::BackupVault',
  'AWS::Backup::BackupPlan',
  'AWS::GuardDuty::Detector',
  'AWS::DynamoDB::Table',
  'AWS::Glue::Job',
]);

const USAGE_NOTES = {
  'AWS::Backup::BackupVault':
    'usage-based: backup storage (RDS snapshots inside the free allowance are priced with the database)',
  'AWS::Backup::BackupPlan': 'usage-based: backup storage and restores',
  'AWS::GuardDuty::Detector': 'usage-based: events and logs analysed (a few dollars for a small account)',
  'AWS::DynamoDB::Table': 'usage-based: on-demand requests and storage',
  'AWS::Glue::Job': 'usage-based: DPU-hours per run',
};

function priceResource(ctx, id, res) {
  const type = res?.Type;
  const fn = PRICERS[type];
  if (fn) return fn(ctx, id, res);
  if (USAGE_TYPES.has(type)) return [usageBased(USAGE_NOTES[type] ?? NO_CHARGE[type])];
  if (NO_CHARGE[type]) return [noCharge(NO_CHARGE[type])];
  if (typeof type === 'string' && type.startsWith('Custom::'))
    return [noCharge(NO_CHARGE['AWS::CloudFormation::CustomResource'])];
  ctx.warn(`${id}: ${type} is not in the price table; listed at $0, check whether it costs money`);
  return [{ kind: 'unknown', description: 'not in the price table: check', monthly: 0 }];
}

module.exports = { priceResource, PRICERS, NO_CHARGE, spotShare };

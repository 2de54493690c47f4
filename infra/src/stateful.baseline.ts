import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Resource types whose replacement loses data or breaks clients: a change that gives one of them a new logical id
 * (or a new type) makes CloudFormation delete the old one. Log groups count only with a retention (kept logs).
 */
export const STATEFUL_TYPES: readonly string[] = [
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSubnetGroup',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::AmazonMQ::Broker',
  'AWS::EFS::FileSystem',
  'AWS::SecretsManager::Secret',
  'AWS::ECR::Repository',
  'AWS::Logs::LogGroup',
  'AWS::Route53::HostedZone',
  'AWS::EC2::VPC',
  'AWS::Glue::Database',
  'AWS::IAM::OIDCProvider',
  // a new identity has new DKIM tokens: mail is refused until its records are verified again
  'AWS::SES::EmailIdentity',
];

/** environment → stack name → logical id → resource type. */
export type StatefulBaseline = Record<string, Record<string, Record<string, string>>>;

export const BASELINE_FILE = join(__dirname, '..', 'test', 'stateful-baseline.json');

interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The stateful resources of one template: logical id → type, sorted by id. */
export function statefulResources(template: Template): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, resource] of Object.entries(template.Resources ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!STATEFUL_TYPES.includes(resource.Type)) continue;
    if (resource.Type === 'AWS::Logs::LogGroup' && resource.Properties?.RetentionInDays === undefined) continue;
    out[id] = resource.Type;
  }
  return out;
}

export function readBaseline(file = BASELINE_FILE): StatefulBaseline {
  return JSON.parse(readFileSync(file, 'utf8')) as StatefulBaseline;
}

/**
 * Compares the synthesized stateful resources with the baseline. `replaced`: in the baseline but gone or of another
 * type (a deploy would delete them); `unlisted`: new stateful resources the baseline does not protect yet.
 */
export function compareWithBaseline(
  baseline: StatefulBaseline,
  current: StatefulBaseline,
): { replaced: string[]; unlisted: string[] } {
  const replaced: string[] = [];
  const unlisted: string[] = [];
  for (const [env, stacks] of Object.entries(baseline)) {
    for (const [stack, resources] of Object.entries(stacks)) {
      for (const [id, type] of Object.entries(resources)) {
        const now = current[env]?.[stack]?.[id];
        if (now !== type) replaced.push(`${env}/${stack}/${id} (${type}${now ? ` is now ${now}` : ' is gone'})`);
      }
    }
  }
  for (const [env, stacks] of Object.entries(current)) {
    for (const [stack, resources] of Object.entries(stacks)) {
      for (const [id, type] of Object.entries(resources)) {
        if (!baseline[env]?.[stack]?.[id]) unlisted.push(`${env}/${stack}/${id} (${type})`);
      }
    }
  }
  return { replaced, unlisted };
}

/** The stateful resources of synthesized stages (one per environment), by stack name. */
export function baselineOf(
  stages: { stageName: string; synth(): { stacks: { stackName: string; template: unknown }[] } }[],
): StatefulBaseline {
  const out: StatefulBaseline = {};
  for (const stage of [...stages].sort((a, b) => a.stageName.localeCompare(b.stageName))) {
    const stacks = [...stage.synth().stacks].sort((a, b) => a.stackName.localeCompare(b.stackName));
    out[stage.stageName] = Object.fromEntries(
      stacks.map((s) => [s.stackName, statefulResources(s.template as Template)]),
    );
  }
  return out;
}

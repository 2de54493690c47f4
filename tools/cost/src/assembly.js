// Reads a CDK cloud assembly (cdk.out): the stacks of each stage and their CloudFormation templates.
// A stage is a nested assembly (`cdk:cloud-assembly`, what `new Stage(app, 'dev')` synthesizes); stacks
// outside any stage are grouped by the stage their name or `stage`/`environment` tag names. Nested
// stacks (AWS::CloudFormation::Stack with an `aws:asset:path`) are read as stacks of their own.

const fs = require('node:fs');
const path = require('node:path');

class AssemblyMissingError extends Error {
  constructor(dir, detail) {
    super(
      `No synthesized cloud assembly at ${dir}${detail ? ` (${detail})` : ''}: run npm run synth first ` +
        '(or pass --assembly <dir>).',
    );
    this.name = 'AssemblyMissingError';
    this.dir = dir;
  }
}

const STAGE_ALIASES = {
  development: 'dev',
  dev: 'dev',
  production: 'prod',
  prod: 'prod',
  staging: 'staging',
  stage: 'staging',
  test: 'test',
};

/** The stage a name refers to ("genlake-dev-network", "GenlakeProdData", "dev/data"), or undefined. */
function inferStage(name) {
  if (typeof name !== 'string') return undefined;
  const tokens = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((t) => t.toLowerCase());
  for (const t of tokens) if (STAGE_ALIASES[t]) return STAGE_ALIASES[t];
  return undefined;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${err.message}`);
  }
}

function regionOf(environment) {
  const m = /^aws:\/\/[^/]*\/(.+)$/.exec(environment ?? '');
  if (!m || m[1].startsWith('unknown') || m[1].includes('${')) return undefined;
  return m[1];
}

function accountOf(environment) {
  const m = /^aws:\/\/([^/]*)\//.exec(environment ?? '');
  return m && /^\d{12}$/.test(m[1]) ? m[1] : undefined;
}

function tagStage(tags) {
  if (!tags) return undefined;
  const entries = Array.isArray(tags) ? tags.map((t) => [t.Key ?? t.key, t.Value ?? t.value]) : Object.entries(tags);
  for (const [k, v] of entries) {
    if (/^(stage|environment|env)$/i.test(String(k))) return inferStage(String(v)) ?? String(v);
  }
  return undefined;
}

/** A stack and its nested stacks, read from `dir`. */
function readStack(dir, { id, name, displayName, region, account, templateFile, stage }) {
  const file = path.join(dir, templateFile);
  const template = readJson(file);
  const stack = { id, name, displayName, region, account, templateFile: file, template, stage };
  const stacks = [stack];
  for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
    const assetPath = res?.Metadata?.['aws:asset:path'];
    if (res?.Type === 'AWS::CloudFormation::Stack' && typeof assetPath === 'string' && assetPath.endsWith('.json')) {
      const nestedFile = path.join(dir, assetPath);
      if (fs.existsSync(nestedFile)) {
        stacks.push(
          ...readStack(dir, {
            id: `${id}/${logicalId}`,
            name: `${name}/${logicalId}`,
            displayName: `${displayName}/${logicalId}`,
            region,
            account,
            templateFile: assetPath,
            stage,
          }),
        );
      }
    }
  }
  return stacks;
}

function readManifest(dir, stageName, out) {
  const manifest = readJson(path.join(dir, 'manifest.json'));
  for (const [id, art] of Object.entries(manifest.artifacts ?? {})) {
    const props = art.properties ?? {};
    if (art.type === 'cdk:cloud-assembly' && props.directoryName) {
      const display = props.displayName ?? props.directoryName.replace(/^assembly-/, '');
      const inner = display.split('/').pop();
      readManifest(path.join(dir, props.directoryName), inferStage(inner) ?? inner, out);
    } else if (art.type === 'aws:cloudformation:stack' && props.templateFile) {
      const displayName = art.displayName ?? id;
      const name = props.stackName ?? id;
      const stage =
        stageName ?? tagStage(props.tags) ?? inferStage(displayName) ?? inferStage(name) ?? inferStage(id) ?? 'default';
      out.push(
        ...readStack(dir, {
          id,
          name,
          displayName,
          region: regionOf(art.environment),
          account: accountOf(art.environment),
          templateFile: props.templateFile,
          stage,
        }),
      );
    }
  }
}

/**
 * Loads the assembly in `dir`: `{ dir, stages: [{ name, stacks: [{ id, name, displayName, region, template }] }] }`.
 * A directory without manifest.json but with `*.template.json` files is read as loose templates (one stack each,
 * the stage taken from the file name). Throws AssemblyMissingError when there is neither.
 */
function loadAssembly(dir, { stageOrder = [] } = {}) {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory())
    throw new AssemblyMissingError(abs, 'directory not found');
  const stacks = [];
  if (fs.existsSync(path.join(abs, 'manifest.json'))) {
    readManifest(abs, undefined, stacks);
  } else {
    const files = fs
      .readdirSync(abs)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
    if (files.length === 0) throw new AssemblyMissingError(abs, 'no manifest.json and no *.template.json');
    for (const f of files) {
      const id = f.replace(/\.template\.json$/, '');
      const template = readJson(path.join(abs, f));
      const region = typeof template.Metadata?.region === 'string' ? template.Metadata.region : undefined;
      stacks.push(
        ...readStack(abs, {
          id,
          name: id,
          displayName: id,
          region,
          templateFile: f,
          stage: inferStage(id) ?? 'default',
        }),
      );
    }
  }
  if (stacks.length === 0) throw new AssemblyMissingError(abs, 'the manifest lists no stacks');
  const byStage = new Map();
  for (const s of stacks) {
    if (!byStage.has(s.stage)) byStage.set(s.stage, []);
    byStage.get(s.stage).push(s);
  }
  const rank = (name) => {
    const i = stageOrder.indexOf(name);
    return i === -1 ? stageOrder.length : i;
  };
  const stages = [...byStage.entries()]
    .map(([name, list]) => ({ name, stacks: list }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return { dir: abs, stages };
}

module.exports = { loadAssembly, inferStage, AssemblyMissingError };

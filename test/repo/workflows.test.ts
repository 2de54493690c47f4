import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IMMUTABLE_CACHE, REVALIDATE_CACHE, WEB_HASHED_ASSETS_DIR } from '@genlake/contracts/web-headers';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT as root } from './trino.generator';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  'runs-on'?: string;
  uses?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  env?: Record<string, string>;
  steps?: Step[];
}

interface Workflow {
  on: Record<string, { branches?: string[]; tags?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = join(root, '.github', 'workflows');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Workflow;
const ci = load('ci.yml');
const deploy = load('deploy.yml');
const steps = (job: Job) => job.steps ?? [];
const runs = (job: Job) => steps(job).flatMap((s) => (s.run ? [s.run] : []));

/** The first command of the README's "Test it" section. */
function readmeTestCommand(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Test it'));
  const block = /```sh\n([^\n]+)\n/.exec(section ?? '');
  return block![1].trim();
}

/**
 * Evaluates the `${{ startsWith(github.ref, 'refs/tags/v') && 'prod' || 'dev' }}` form the deploy workflow uses
 * to pick the environment, for a given ref.
 */
function environmentFor(expression: string, ref: string): string {
  const m = /^\$\{\{ startsWith\(github\.ref, '([^']+)'\) && '(\w+)' \|\| '(\w+)' \}\}$/.exec(expression.trim());
  expect(m, expression).not.toBeNull();
  return ref.startsWith(m![1]) ? m![2] : m![3];
}

describe('.github/workflows', () => {
  it('pin every action by major version', () => {
    for (const file of readdirSync(dir)) {
      const workflow = load(file);
      for (const [name, job] of Object.entries(workflow.jobs)) {
        if (job.uses) expect(job.uses, `${file} ${name}`).toMatch(/^\.\/\.github\/workflows\/[\w-]+\.yml$/);
        for (const step of steps(job))
          if (step.uses) expect(step.uses, `${file} ${name}`).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
      }
    }
  });

  it('never hold AWS keys: credentials come from OIDC only', () => {
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    }
  });
});

describe('ci.yml', () => {
  it('runs on every push and pull request (and when deploy.yml calls it)', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    expect(ci.on.push).toBeNull();
    expect(ci.on.pull_request).toBeNull();
    expect(ci.permissions).toEqual({ contents: 'read' });
  });

  it('tests on Ubuntu and Node 22 with Postgres 15 and RabbitMQ 3.13 (management) as job services', () => {
    const test = ci.jobs.test;
    expect(test['runs-on']).toMatch(/^ubuntu-/);
    expect(test.services?.postgres.image).toBe('postgres:15');
    expect(test.services?.rabbitmq.image).toBe('rabbitmq:3.13-management');
    const setupNode = steps(test).find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe(22);
    const db = new URL(test.env!.TEST_DATABASE_URL);
    expect([db.hostname, db.port, db.password]).toEqual([
      '127.0.0.1',
      '5432',
      test.services!.postgres.env!.POSTGRES_PASSWORD,
    ]);
    const amqp = new URL(test.env!.TEST_RABBITMQ_URL);
    expect([amqp.hostname, amqp.port, amqp.username, amqp.password]).toEqual([
      '127.0.0.1',
      '5672',
      test.services!.rabbitmq.env!.RABBITMQ_DEFAULT_USER,
      test.services!.rabbitmq.env!.RABBITMQ_DEFAULT_PASS,
    ]);
    expect(amqp.username, 'guest may only connect from localhost').not.toBe('guest');
    expect(test.services!.rabbitmq.ports).toContain('15672:15672');
  });

  it("runs the README's test command after a frozen-lockfile install", () => {
    const command = readmeTestCommand();
    expect(command).toBe('npm test');
    expect(runs(ci.jobs.test)).toEqual(['npm ci --no-audit --no-fund', command]);
  });

  it('lints and type-checks with the root scripts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const lint = runs(ci.jobs.lint);
    expect(lint).toContain('npm run lint');
    expect(lint).toContain('npm run typecheck');
    expect(pkg.scripts.lint).toBeDefined();
    expect(pkg.scripts.typecheck).toBeDefined();
  });
});

describe('deploy.yml', () => {
  const job = deploy.jobs.deploy;
  const byUses = (prefix: string) => steps(job).find((s) => s.uses?.startsWith(prefix));

  it('deploys dev on a push to main and prod on a v* tag, through the prod environment approval', () => {
    expect(deploy.on).toEqual({ push: { branches: ['main'], tags: ['v*'] } });
    expect(environmentFor(job.environment!, 'refs/heads/main')).toBe('dev');
    expect(environmentFor(job.environment!, 'refs/tags/v1.2.0')).toBe('prod');
    expect(job.env!.DEPLOY_ENV).toBe(job.environment);
  });

  it('deploys only what passed CI', () => {
    expect(deploy.jobs.ci.uses).toBe('./.github/workflows/ci.yml');
    expect(job.needs).toBe('ci');
  });

  it('assumes the deploy role through GitHub OIDC (id-token: write), its ARN from a variable', () => {
    expect(deploy.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const aws = byUses('aws-actions/configure-aws-credentials@');
    expect(aws?.with?.['role-to-assume']).toBe(`\${{ vars.AWS_DEPLOY_ROLE_ARN }}`);
    expect(byUses('aws-actions/amazon-ecr-login@')).toBeDefined();
  });

  it('builds each service image with the Dockerfile and pushes it to ECR tagged with the git sha', () => {
    expect(job.env!.IMAGE_TAG).toBe(`\${{ github.sha }}`);
    const build = runs(job).find((r) => r.includes('docker buildx build'))!;
    expect(build).toMatch(/for service in gateway processor corrector notifier; do/);
    // one manifest for both Fargate architectures (x86 and Graviton)
    expect(build).toMatch(
      /docker buildx build --platform linux\/amd64,linux\/arm64 --build-arg SERVICE="\$service" -t "\$image" --push \./,
    );
    expect(byUses('docker/setup-qemu-action@')).toBeDefined();
    expect(byUses('docker/setup-buildx-action@')).toBeDefined();
    expect(build).toMatch(/image="\$REGISTRY\/\$repository:\$IMAGE_TAG"/);
  });

  it('publishes the web app only once it exists', () => {
    const web = steps(job).find((s) => s.run?.includes('services/web/dist'));
    expect(web?.if).toBe("hashFiles('services/web/package.json') != ''");
  });

  it('uploads the hashed assets with a year of caching and every other file of the app with no-cache', () => {
    const web = steps(job).find((s) => s.run?.includes('services/web/dist'))!;
    const syncs = web
      .run!.replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('aws s3 sync '));
    expect(syncs.length).toBeGreaterThan(0);
    // what the build writes: public/ as it is, Vite's and vite-plugin-pwa's own files, and the real build when present
    const dist = join(root, 'services', 'web', 'dist');
    const files = new Set([
      ...readdirSync(join(root, 'services', 'web', 'public')),
      ...['index.html', 'sw.js', 'sw.js.map', 'registerSW.js', 'manifest.webmanifest', 'workbox-0a1b2c3d.js'],
      ...['index-AbC123xy.js', 'index-AbC123xy.js.map', 'index-Zz9Yy8Xx.css'].map(
        (f) => `${WEB_HASHED_ASSETS_DIR}/${f}`,
      ),
      ...(existsSync(dist) ? readdirSync(dist, { recursive: true, withFileTypes: true }) : [])
        .filter((e) => e.isFile())
        .map((e) => relative(dist, join(e.parentPath, e.name)).split('\\').join('/')),
    ]);
    const uploaded = new Map<string, string>();
    for (const sync of syncs) {
      const { key, cacheControl } = syncCommand(sync);
      for (const file of files) {
        const target = key(file);
        if (target !== undefined) uploaded.set(target, cacheControl);
      }
    }
    for (const file of files) {
      const expected = file.startsWith(`${WEB_HASHED_ASSETS_DIR}/`) ? IMMUTABLE_CACHE : REVALIDATE_CACHE;
      expect(uploaded.get(file), file).toBe(expected);
    }
    expect(files.has('icon-192.png') && files.has('sw-sync.js')).toBe(true);
  });

  it("runs cdk deploy of the environment's stages with the image tag, after the images", () => {
    const all = runs(job);
    const index = all.findIndex((r) => r.includes('cdk deploy'));
    expect(index).toBe(all.length - 1);
    expect(all[index]).toContain(
      `npx --no-install cdk deploy --app 'node infra/dist/app.js' "$DEPLOY_ENV/*" --require-approval never`,
    );
    // the CLI is pinned in the infra workspace, so the lockfile decides its version
    const infra = JSON.parse(readFileSync(join(root, 'infra', 'package.json'), 'utf8'));
    expect(infra.devDependencies['aws-cdk']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(all[index]).toContain('-c imageTag="$IMAGE_TAG"');
    expect(all.findIndex((r) => r.includes('--push'))).toBeLessThan(index);
  });
});

/** Words of a shell command line (double quotes grouped, no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/**
 * `aws s3 sync SRC s3://$WEB_BUCKET/PREFIX [--exclude P | --include P]… --cache-control V` as the AWS CLI applies
 * it: the filters match the path below SRC in order, the last match decides (`*` spans folders), everything is
 * included by default. `key(file of dist)` is the object key it lands at, undefined when the command skips it.
 */
function syncCommand(line: string): { key: (file: string) => string | undefined; cacheControl: string } {
  const [, , , source, destination, ...options] = words(line);
  const sub = relative('services/web/dist', source);
  expect(sub.startsWith('..'), `${line}: uploads from services/web/dist`).toBe(false);
  const prefix = /^s3:\/\/\$WEB_BUCKET\/(.*)$/.exec(destination)?.[1];
  expect(prefix, `${line}: into the web bucket`).toBeDefined();
  const filters: Array<{ include: boolean; pattern: RegExp }> = [];
  let cacheControl = '';
  for (let i = 0; i < options.length; i++) {
    const option = options[i];
    if (option === '--exclude' || option === '--include') {
      const glob = options[++i]
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
      filters.push({ include: option === '--include', pattern: new RegExp(`^${glob}$`) });
    } else if (option === '--cache-control') cacheControl = options[++i];
  }
  expect(cacheControl, `${line}: sets Cache-Control`).not.toBe('');
  const key = (file: string) => {
    const below = sub === '' ? file : file.startsWith(`${sub}/`) ? file.slice(sub.length + 1) : undefined;
    if (below === undefined) return undefined;
    let included = true;
    for (const f of filters) if (f.pattern.test(below)) included = f.include;
    return included ? `${prefix}${below}` : undefined;
  };
  return { key, cacheControl };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

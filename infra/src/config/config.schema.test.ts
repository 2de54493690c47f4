import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lakeTables, tablePrefix } from '@genlake/lake';
import { describe, expect, it } from 'vitest';
import type { Json } from '../synth.fixture';
import {
  ConfigError,
  ENVIRONMENTS,
  type EnvironmentConfigInput,
  loadConfig,
  parseEnvironmentConfig,
  resolveEnvironment,
  TEAM_SERVICES,
} from '.';
import { devConfig } from './dev.config';
import { prodConfig } from './prod.config';

function withChange(change: (c: Json) => void, base: EnvironmentConfigInput = devConfig): unknown {
  const copy = structuredClone(base) as Json;
  change(copy);
  return copy;
}

function problemsOf(input: unknown): string[] {
  try {
    parseEnvironmentConfig(input, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('environment configurations', () => {
  it('refuses working hours that end before they start, bad day names, and an on-demand base without Spot', () => {
    const bad = withChange((c) => {
      c.workingHours = { startHour: 19, stopHour: 7, weekDays: 'MONDAY' };
      c.services.gateway.spot = false;
      c.services.gateway.onDemandBase = 1;
    });
    const problems = problemsOf(bad).join('\n');
    expect(problems).toMatch(/workingHours\.stopHour.*after startHour/);
    expect(problems).toMatch(/workingHours\.weekDays.*cron day names/);
    expect(problems).toMatch(/services\.gateway\.onDemandBase.*only with spot: true/);
  });

  it('dev and prod are valid, with the defaults filled in', () => {
    const dev = loadConfig('dev');
    const prod = loadConfig('prod');
    expect(dev.region).toBe('eu-central-1');
    expect(prod.region).toBe('eu-central-1');
    expect(dev.database.multiAz).toBe(false);
    expect(prod.database.multiAz).toBe(true);
    expect(prod.database.deletionProtection).toBe(true);
    expect(prod.terminationProtection).toBe(true);
    expect(dev.network.natMode).toBe('instance');
    expect(Object.keys(dev.services).sort()).toEqual(['corrector', 'gateway', 'notifier', 'processor']);
    expect(Object.keys(ENVIRONMENTS)).toEqual(['dev', 'prod']);
  });

  it('rejects an unknown environment', () => {
    expect(() => loadConfig('staging')).toThrow(/unknown environment "staging" \(known: dev, prod\)/);
  });

  it('names the field of a bad value', () => {
    const problems = problemsOf(withChange((c) => (c.database.backupRetentionDays = 99)));
    expect(problems).toEqual([expect.stringMatching(/^database\.backupRetentionDays: .*35/)]);
    expect(() =>
      parseEnvironmentConfig(
        withChange((c) => (c.database.backupRetentionDays = 99)),
        'dev',
      ),
    ).toThrow(/invalid configuration for environment "dev":\n {2}- database\.backupRetentionDays:/);
  });

  it('names every bad field at once', () => {
    const problems = problemsOf(
      withChange((c) => {
        c.account = '1234';
        c.network.natMode = 'nat-box';
        delete c.observability.alarmEmail;
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'account',
      'network.natMode',
      'observability.alarmEmail',
    ]);
    expect(problems.find((p) => p.startsWith('account'))).toMatch(/12-digit/);
  });

  it('checks Fargate sizes and task counts per service', () => {
    expect(problemsOf(withChange((c) => (c.services.processor.memoryMiB = 700)))).toEqual([
      expect.stringMatching(/^services\.processor\.memoryMiB: 700 MiB is not a Fargate size for 512 CPU units/),
    ]);
    expect(problemsOf(withChange((c) => (c.services.processor.minTasks = 5)))).toEqual([
      'services.processor.minTasks: must be <= maxTasks (2)',
    ]);
    expect(problemsOf(withChange((c) => (c.services.gateway.minTasks = 0)))).toEqual([
      'services.gateway.minTasks: an http service needs at least one task',
    ]);
  });

  it('checks the rules between fields', () => {
    expect(
      problemsOf(
        withChange(
          (c) =>
            (c.domain.cloudFrontCertificateArn = `arn:aws:acm:eu-central-1:111111111111:certificate/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`),
        ),
      ),
    ).toEqual(['domain.cloudFrontCertificateArn: CloudFront certificates must be in us-east-1']);
    expect(problemsOf(withChange((c) => (c.messaging.deploymentMode = 'CLUSTER_MULTI_AZ'), prodConfig))).toEqual([
      'messaging.instanceType: a CLUSTER_MULTI_AZ broker needs mq.m5 or mq.m7g instances',
    ]);
    expect(problemsOf(withChange((c) => (c.messaging.engineVersion = '4.2'), prodConfig))).toEqual([
      expect.stringMatching(/^messaging\.engineVersion: Amazon MQ publishes per-queue metrics/),
    ]);
    expect(problemsOf(withChange((c) => (c.region = 'ap-east-1')))).toEqual([
      expect.stringMatching(/^network\.cloudFrontPrefixListId: no known CloudFront origin-facing prefix list/),
    ]);
    expect(problemsOf(withChange((c) => (c.observability.logRetentionDays = 10)))).toEqual([
      expect.stringMatching(/^observability\.logRetentionDays: must be one of 1, 3, 5, 7, 14/),
    ]);
    expect(problemsOf(withChange((c) => (c.notifications.crmUrl = 'http://crm.example.com/v1/events')))).toEqual([
      'notifications.crmUrl: must be an https:// URL',
    ]);
  });

  it('checks what a service asks of the platform: placeholders, secrets, queues', () => {
    expect(
      problemsOf(withChange((c) => (c.services.notifier.environment.MAIL_FROM = 'genlake <no-reply@{domian}>'))),
    ).toEqual([expect.stringMatching(/^services\.notifier\.environment\.MAIL_FROM: unknown placeholder \{domian\}/)]);
    expect(problemsOf(withChange((c) => (c.services.notifier.secrets.SMTP_USER = { secret: 'smtp' })))).toEqual([
      'services.notifier.secrets.SMTP_USER.field: must be one of user, password',
    ]);
    expect(
      problemsOf(
        withChange((c) => (c.services.gateway.secrets.AUTH_JWT_SECRET = { secret: 'auth-jwt', field: 'key' })),
      ),
    ).toEqual(['services.gateway.secrets.AUTH_JWT_SECRET.field: auth-jwt has no fields']);
    expect(
      problemsOf(withChange((c) => (c.services.gateway.secrets.PUBLIC_BASE_URL = { secret: 'auth-jwt' }))),
    ).toEqual(['services.gateway.secrets.PUBLIC_BASE_URL: is also a plain environment variable']);
    expect(problemsOf(withChange((c) => (c.services.gateway.secrets.X = { secret: 'github-token' })))).toEqual([
      expect.stringMatching(/^services\.gateway\.secrets\.X\.secret: /),
    ]);
    expect(problemsOf(withChange((c) => (c.services.notifier.extraQueues = ['notifier.crm'])))).toEqual([
      'services.notifier.extraQueues: only for a worker, and each queue once',
    ]);
  });

  it("fills the placeholders of the services' settings from the environment", () => {
    const prod = loadConfig('prod');
    expect(resolveEnvironment(prod.services.notifier.environment, prod)).toMatchObject({
      CRM_URL: prod.notifications.crmUrl,
      SMTP_HOST: 'email-smtp.eu-central-1.amazonaws.com',
      MAIL_FROM: 'genlake <no-reply@genlake.example.com>',
      PUBLIC_BASE_URL: 'https://genlake.example.com',
      OPERATOR_EMAILS: prod.observability.alarmEmail,
    });
    expect(resolveEnvironment(prod.services.gateway.environment, prod)).toMatchObject({
      AUTH_JWT_ISSUER: 'https://genlake.example.com',
      AUTH_JWT_AUDIENCE: 'genlake-api',
    });
    expect(() => resolveEnvironment({ X: '{nothing}' }, prod)).toThrow(/X: unknown placeholder \{nothing\}/);
  });
});

describe('team services', () => {
  it('consume the queues the contracts declare', () => {
    const asyncapi = readFileSync(join(__dirname, '../../../packages/contracts/asyncapi.yaml'), 'utf8');
    for (const service of Object.values(TEAM_SERVICES)) {
      const queues = [
        ...('queue' in service ? [service.queue] : []),
        ...('extraQueues' in service ? service.extraQueues : []),
      ];
      for (const queue of queues) expect(asyncapi).toContain(`address: ${queue}\n`);
    }
  });

  it('write exactly the lake tables of their stage', () => {
    const byStage = (stage: string) =>
      Object.values(lakeTables)
        .filter((t) => t.stage === stage)
        .map((t) => tablePrefix(t))
        .sort();
    expect([...TEAM_SERVICES.processor.storage.write].sort()).toEqual(byStage('processed'));
    expect([...TEAM_SERVICES.corrector.storage.write].sort()).toEqual(byStage('corrected'));
    expect(TEAM_SERVICES.corrector.storage.read).toEqual(['lake/estimates/']);
    expect(TEAM_SERVICES.gateway.storage).toEqual({ read: ['lake/'], write: ['incoming/'] });
    expect(TEAM_SERVICES.notifier.storage).toEqual({ read: [], write: [] });
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Metrics, parseConfig } from '@genlake/kit';
import { tableLocation, tableNames } from '@genlake/lake';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GENERATED_DIR as DASHBOARDS_DIR } from '../../dashboards/src/build';
import { correctorConfigSchema } from '../../services/corrector/src/config';
import { gatewayConfigSchema } from '../../services/gateway/src/config';
import { notifierConfigSchema } from '../../services/notifier/src/config';
import { processorConfigSchema } from '../../services/processor/src/config';
import { REPO_ROOT as root, TRINO_CATALOG, trinoFiles } from './trino.generator';

interface LongVolume {
  type?: string;
  source?: string;
  target: string;
  read_only?: boolean;
}

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  ports?: string[];
  volumes?: (string | LongVolume)[];
  entrypoint?: string[];
  command?: string[] | string;
}

const composeText = readFileSync(join(root, 'compose.yaml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const schemas = {
  gateway: gatewayConfigSchema,
  processor: processorConfigSchema,
  corrector: correctorConfigSchema,
  notifier: notifierConfigSchema,
};
const services = Object.entries(compose.services);

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      return { source: v.source ?? '', target: v.target, bind: v.type === 'bind' };
    }
    const [source, target] = v.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** The file on this machine that a service sees at `containerPath` (through its bind mounts). */
function hostPath(serviceName: string, containerPath: string): string | undefined {
  for (const m of mounts(compose.services[serviceName])) {
    if (!m.bind) continue;
    if (containerPath === m.target) return resolve(root, m.source);
    if (containerPath.startsWith(`${m.target}/`)) return resolve(root, m.source, relative(m.target, containerPath));
  }
  return undefined;
}

function dependsOn(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

function readYaml<T>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

// No Docker engine runs where the tests run, so the compose file is checked for what can be checked.
describe('compose.yaml', () => {
  it('resolves: YAML anchors and merge keys expand into complete services', () => {
    expect(composeText).toMatch(/<<: \*service\b/);
    expect(JSON.stringify(compose)).not.toContain('"<<"');
    for (const name of Object.keys(schemas)) {
      const service = compose.services[name];
      expect(dependsOn(service), name).toEqual(['postgres', 'rabbitmq', 'minio-bucket']);
      expect(service.environment?.DATABASE_URL, name).toMatch(/^postgres:\/\//);
      expect(service.environment?.PORT, name).toMatch(/^\d+$/);
    }
  });

  it('builds every genlake service from the one Dockerfile, and each service exists', () => {
    for (const name of Object.keys(schemas)) {
      const service = compose.services[name];
      expect(service?.build?.args?.SERVICE, name).toBe(name);
      expect(existsSync(join(root, service.build!.context, 'Dockerfile'))).toBe(true);
      expect(existsSync(join(root, 'services', name, 'src', 'main.ts')), name).toBe(true);
    }
  });

  it('gives each service an environment its configuration schema accepts', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const env = compose.services[name].environment ?? {};
      const config = parseConfig(schema, env) as { STORAGE_URL: string; DATABASE_URL: string };
      expect(config.STORAGE_URL).toMatch(/^s3:\/\//);
      expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
    }
  });

  it('makes every container built from the Dockerfile listen on 0.0.0.0 (they default to 127.0.0.1)', () => {
    const built = services.filter(([, service]) => service.build?.args?.SERVICE);
    expect(built.map(([name]) => name)).toEqual(expect.arrayContaining([...Object.keys(schemas), 'crm-stub']));
    for (const [name, service] of built) expect(service.environment?.HOST, name).toBe('0.0.0.0');
    for (const [name, schema] of Object.entries(schemas)) {
      const { HOST: _host, ...withoutHost } = compose.services[name].environment ?? {};
      expect((parseConfig(schema, withoutHost) as { HOST: string }).HOST, name).toBe('127.0.0.1');
      expect(() => parseConfig(schema, { ...withoutHost, HOST: 'not a host!' }), name).toThrow(/HOST: must be an IP/);
    }
  });

  it('only depends on services it defines', () => {
    for (const [name, service] of services) {
      for (const dep of dependsOn(service)) expect(compose.services[dep], `${name} → ${dep}`).toBeDefined();
    }
  });

  it('mounts only files and folders that exist, and only named volumes it declares', () => {
    let binds = 0;
    for (const [name, service] of services) {
      for (const m of mounts(service)) {
        expect(isAbsolute(m.target), `${name}: ${m.target}`).toBe(true);
        if (m.bind) {
          binds++;
          expect(m.source.startsWith('./'), `${name}: bind sources are relative to the repository`).toBe(true);
          expect(existsSync(resolve(root, m.source)), `${name}: ${m.source}`).toBe(true);
        } else expect(compose.volumes, `${name}: volume ${m.source}`).toHaveProperty(m.source);
      }
    }
    expect(binds).toBeGreaterThanOrEqual(8);
  });

  it('publishes every host port once', () => {
    const seen = new Map<string, string>();
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) {
        const parts = String(port).split(':');
        expect(parts, `${name}: publish ports as "host:container"`).toHaveLength(2);
        const host = parts[0];
        expect(seen.get(host), `host port ${host} of ${name}`).toBeUndefined();
        seen.set(host, name);
      }
    }
    expect(seen.get('8080')).toBe('gateway');
  });

  it('pins every image to a version', () => {
    for (const [name, service] of services) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('runs the notifier against the stand-in CRM, both built from the one Dockerfile', () => {
    const notifier = compose.services.notifier;
    expect(notifier.build?.args?.SERVICE).toBe('notifier');
    expect(compose.services['crm-stub'].build?.args?.SERVICE).toBe('crm-stub');
    const config = parseConfig(notifierConfigSchema, notifier.environment ?? {});
    expect(new URL(config.CRM_URL).host).toBe('crm-stub:8090');
    expect(config.CRM_TOKEN).toBe(compose.services['crm-stub'].environment?.CRM_TOKEN);
    expect(compose.services.mailpit.ports).toEqual(['1025:1025', '8025:8025']);
    // Mail goes to Mailpit's SMTP port, links point at the published gateway, dead letters reach an operator.
    expect(config.SMTP_HOST).toBe('mailpit');
    expect(config.SMTP_PORT).toBe(1025);
    expect(config.PUBLIC_BASE_URL).toBe(`http://localhost:${compose.services.gateway.ports?.[0].split(':')[0]}`);
    expect(config.OPERATOR_EMAILS.length).toBeGreaterThan(0);
  });

  it('copies into the image only files that exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      if (m[1] !== '.') expect(existsSync(join(root, m[1])), m[1]).toBe(true);
    }
  });
});

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[] }[];
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('Prometheus of the local stack', () => {
  const args = compose.services.prometheus.command as string[];
  const configFile = hostPath('prometheus', args.find((a) => a.startsWith('--config.file='))!.split('=')[1])!;
  const config = readYaml<{ rule_files: string[]; scrape_configs: ScrapeConfig[] }>(configFile);
  const jobs = new Map(config.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((s) => s.targets)]));
  const rules = config.rule_files.flatMap((file) => {
    const path = hostPath('prometheus', file);
    expect(path, file).toBeDefined();
    return readYaml<{ groups: { rules: AlertRule[] }[] }>(path!).groups.flatMap((g) => g.rules);
  });

  it('reads its configuration from deploy/prometheus', () => {
    expect(relative(root, configFile)).toBe(join('deploy', 'prometheus', 'prometheus.yml'));
  });

  it('scrapes each genlake service at its compose name and PORT, in a job named after it', () => {
    for (const name of Object.keys(schemas)) {
      expect(jobs.get(name), name).toEqual([`${name}:${compose.services[name].environment!.PORT}`]);
    }
    for (const targets of jobs.values()) {
      for (const target of targets) {
        const host = target.split(':')[0];
        if (host !== 'localhost') expect(compose.services[host], target).toBeDefined();
      }
    }
  });

  it('scrapes RabbitMQ per-queue depths from the rabbitmq_prometheus plugin it enables (and the shovel UI)', () => {
    expect(jobs.get('rabbitmq')).toEqual(['rabbitmq:15692']);
    const plugins = readFileSync(hostPath('rabbitmq', '/etc/rabbitmq/enabled_plugins')!, 'utf8');
    expect(plugins).toMatch(/rabbitmq_prometheus/);
    expect(plugins).toMatch(/rabbitmq_management/);
    // "Move messages" in the management UI (replaying dead letters, docs/operations.md)
    expect(plugins).toMatch(/rabbitmq_shovel_management/);
  });

  it('alerts on dead letters, stuck batches, outbox failures and server errors, saying whom to call', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const find = (pattern: RegExp) => rules.filter((r) => pattern.test(r.expr));
    expect(find(/outcome="dead"/).length).toBeGreaterThanOrEqual(2);
    expect(find(/\.dead/).length).toBeGreaterThanOrEqual(1);
    expect(byName.get('GenlakeBatchesWaitNoneCompleted')?.expr).toMatch(/outcome="ok"/);
    expect(find(/genlake_outbox_failures_total/)).toHaveLength(1);
    expect(byName.get('GenlakeGatewayServerErrors')?.expr).toMatch(/status=~"5\.\."/);
    for (const rule of rules) {
      expect(rule.labels.team, rule.alert).toBeTruthy();
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
    }
  });

  it('alerts only on metrics the services expose, RabbitMQ queue depths and `up` of jobs it scrapes', async () => {
    const exposed = new Set<string>();
    for (const m of await new Metrics('test').registry.getMetricsAsJSON()) {
      exposed.add(m.name);
      for (const suffix of ['_bucket', '_count', '_sum']) exposed.add(m.name + suffix);
    }
    for (const rule of rules) {
      for (const [, name] of rule.expr.matchAll(/\b(genlake_[a-z_]+)/g)) expect(exposed.has(name), name).toBe(true);
      for (const [, name] of rule.expr.matchAll(/\b(rabbitmq_[a-z_]+)\{/g))
        expect(name).toBe('rabbitmq_detailed_queue_messages');
      for (const [, job] of rule.expr.matchAll(/up\{job="([a-z]+)"\}/g)) expect(jobs.has(job), job).toBe(true);
    }
  });

  it('sends alerts to an Alertmanager that mails them to Mailpit', () => {
    expect(readYaml<{ alerting: unknown }>(configFile).alerting).toEqual({
      alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }],
    });
    const am = compose.services.alertmanager.command as string[];
    const amConfig = readYaml<{ receivers: { email_configs: { smarthost: string }[] }[] }>(
      hostPath('alertmanager', am.find((a) => a.startsWith('--config.file='))!.split('=')[1])!,
    );
    expect(amConfig.receivers[0].email_configs[0].smarthost).toBe('mailpit:1025');
  });
});

describe('Grafana of the local stack', () => {
  const provisioning = '/etc/grafana/provisioning';

  it('provisions the Prometheus datasource of compose.yaml as the default', () => {
    const file = hostPath('grafana', `${provisioning}/datasources/prometheus.yml`)!;
    const { datasources } = readYaml<{ datasources: { type: string; url: string; isDefault: boolean }[] }>(file);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    expect(compose.services.prometheus.ports).toContain('9090:9090');
  });

  it('loads the dashboards from the folder `npm run dashboards` writes', () => {
    const file = hostPath('grafana', `${provisioning}/dashboards/genlake.yml`)!;
    expect(relative(root, file)).toBe(join('deploy', 'grafana', 'provisioning', 'dashboards', 'genlake.yml'));
    const { providers } = readYaml<{ providers: { type: string; options: { path: string } }[] }>(file);
    expect(providers).toHaveLength(1);
    expect(providers[0].type).toBe('file');
    expect(hostPath('grafana', providers[0].options.path)).toBe(DASHBOARDS_DIR);
    const home = compose.services.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(existsSync(hostPath('grafana', home)!), home).toBe(true);
  });
});

describe('Trino of the local stack', () => {
  const storageRoot = compose.services.gateway.environment!.STORAGE_URL;
  const files = trinoFiles(storageRoot);

  it('runs the SQL generated from lake/tables (stale? GENLAKE_TEST_UPDATE=1 regenerates it)', () => {
    if (process.env.GENLAKE_TEST_UPDATE === '1') {
      for (const [file, content] of Object.entries(files)) writeFileSync(join(root, file), content);
    }
    for (const [file, content] of Object.entries(files)) {
      expect(existsSync(join(root, file)), file).toBe(true);
      expect(readFileSync(join(root, file), 'utf8'), `${file} is stale`).toBe(content);
    }
    expect(hostPath('trino-init', '/sql/init.sql')).toBe(join(root, 'deploy', 'trino', 'init.sql'));
    expect(hostPath('trino-sync', '/sql/sync-partitions.sql')).toBe(
      join(root, 'deploy', 'trino', 'sync-partitions.sql'),
    );
    expect(compose.services['trino-init'].entrypoint!.join(' ')).toContain('--file /sql/init.sql');
  });

  it('creates one table per lake table at the location the services write to', () => {
    const sql = files[join('deploy', 'trino', 'init.sql')];
    expect(storageRoot).toBe('s3://genlake');
    for (const table of tableNames) {
      expect(sql).toContain(`"${TRINO_CATALOG}"."genlake"."${table}"`);
      expect(sql).toContain(`external_location = '${tableLocation(storageRoot, table)}'`);
    }
  });

  it('has a Hive catalog over MinIO with a file metastore and the native S3 file system', () => {
    const file = hostPath('trino', `/etc/trino/catalog/${TRINO_CATALOG}.properties`)!;
    const props = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('#'))
        .map((line) => line.split('=').map((s) => s.trim()) as [string, string]),
    );
    const env = compose.services.gateway.environment!;
    expect(props).toMatchObject({
      'connector.name': 'hive',
      'hive.metastore': 'file',
      'fs.native-s3.enabled': 'true',
      's3.endpoint': env.S3_ENDPOINT,
      's3.path-style-access': 'true',
      's3.aws-access-key': env.S3_ACCESS_KEY_ID,
      's3.aws-secret-key': env.S3_SECRET_ACCESS_KEY,
    });
    expect(props['hive.metastore.catalog.dir']).toMatch(/^s3:\/\/genlake\//);
    expect(compose.services.minio.environment).toMatchObject({ MINIO_ROOT_USER: env.S3_ACCESS_KEY_ID });
  });
});

/**
 * The service topology (packages/contracts/src/topology.ts) is the one place that names the services' queues and
 * ports: code elsewhere reads it, and the local stack (compose.yaml) publishes the same ports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { consumerQueues, topology } from '@genlake/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT as root } from './trino.generator';

/** Source folders whose code must not restate a queue name or a service port. */
const SOURCE_DIRS = ['packages', 'services', 'lake/src', 'migrations/src', 'infra/src', 'dashboards/src', 'tools'];
/** The definitions themselves. */
const DEFINITIONS = ['packages/contracts/src/catalog.ts', 'packages/contracts/src/topology.ts'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

describe('service topology', () => {
  it('is the only code that writes a queue name or a service port as a literal (tests aside)', () => {
    const queues = consumerQueues().map((q) => q.replace('.', '\\.'));
    const ports = topology().map((s) => s.port);
    const literal = new RegExp(`(['"\`])(${queues.join('|')})\\1|\\b(${ports.join('|')})\\b`);
    const offenders: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(join(root, dir))) {
        const path = relative(root, file);
        if (DEFINITIONS.includes(path)) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (literal.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('gives compose.yaml and the Prometheus scrape jobs the same ports', () => {
    const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; ports?: string[] }>;
    };
    const prometheus = parse(readFileSync(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    for (const s of topology()) {
      expect(compose.services[s.name].environment?.PORT, s.name).toBe(String(s.port));
      expect(compose.services[s.name].ports, s.name).toEqual([`${s.port}:${s.port}`]);
      const job = prometheus.scrape_configs.find((j) => j.job_name === s.name);
      expect(
        job?.static_configs.flatMap((c) => c.targets),
        s.name,
      ).toEqual([`${s.name}:${s.metricsPort}`]);
    }
  });
});

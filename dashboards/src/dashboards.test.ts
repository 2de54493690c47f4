import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { consumerQueues, QUEUES } from '@genlake/contracts';
import { Metrics } from '@genlake/kit';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allDashboards, GENERATED_DIR, renderDashboards, UIDS } from './build';
import { DATASOURCE_VARIABLE, GENLAKE_TAG } from './panel.builders';
import { GENLAKE, pipelineQueues, workerQueues } from './topology.catalog';

const root = resolve(__dirname, '..', '..');
const dashboards = allDashboards();

interface Target {
  expr?: string;
  datasource?: { uid?: string };
}

function panelsOf(d: dashboard.Dashboard): dashboard.Panel[] {
  return (d.panels ?? []).flatMap((p) =>
    p.type === 'row' ? [(p as dashboard.RowPanel).panels].flat() : [p as dashboard.Panel],
  );
}

function expressions(d: dashboard.Dashboard): string[] {
  return panelsOf(d).flatMap((p) => ((p.targets ?? []) as Target[]).map((t) => t.expr ?? ''));
}

/** Names of the series an expression reads (identifiers followed by `{`, `[` or `)` as a metric selector). */
function seriesNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:genlake|rabbitmq)_[a-z_]+)\s*[{[]/g)].map((m) => m[1]);
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quoted = false;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if ('([{'.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0 && !quoted;
}

describe('generated dashboards', () => {
  it('are up to date in dashboards/generated (run `npm run dashboards` after changing dashboards/src)', () => {
    const expected = renderDashboards();
    const committed = readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual(Object.keys(expected).sort());
    for (const [file, content] of Object.entries(expected)) {
      expect(readFileSync(join(GENERATED_DIR, file), 'utf8'), file).toBe(content);
    }
  });

  it('are the same on every build (stable uids and panel ids)', () => {
    expect(renderDashboards()).toEqual(renderDashboards());
    expect(Object.values(dashboards).map((d) => d.uid)).toEqual([UIDS.intake, UIDS.stuck, UIDS.whoToCall]);
    for (const d of Object.values(dashboards)) {
      const ids = (d.panels ?? []).flatMap((p) => [p.id, ...((p as dashboard.RowPanel).panels ?? []).map((q) => q.id)]);
      expect(ids, d.uid).toEqual(ids.map((_, i) => i + 1));
    }
  });

  it('speak plain language: titles as questions, a description on every data panel', () => {
    expect(Object.values(dashboards).map((d) => d.title)).toEqual([
      'Is intake healthy?',
      'Is anything stuck?',
      'Who to call',
    ]);
    for (const d of Object.values(dashboards)) {
      expect(d.tags).toContain(GENLAKE_TAG);
      for (const p of panelsOf(d)) {
        expect(p.title, `${d.uid}: panel without a title`).toBeTruthy();
        if (p.type !== 'text') expect(p.description, `${d.uid}: ${p.title}`).toBeTruthy();
      }
    }
  });

  it('query the Prometheus datasource of the dashboard variable with well-formed expressions', () => {
    for (const d of Object.values(dashboards)) {
      expect(d.templating?.list?.[0]).toMatchObject({
        type: 'datasource',
        name: DATASOURCE_VARIABLE,
        query: 'prometheus',
      });
      for (const p of panelsOf(d)) {
        if (p.type === 'text') continue;
        expect(p.datasource?.uid, `${d.uid}: ${p.title}`).toBe(`\${${DATASOURCE_VARIABLE}}`);
        for (const t of (p.targets ?? []) as Target[]) {
          expect(t.expr, `${d.uid}: ${p.title}`).toBeTruthy();
          expect(balanced(t.expr!), t.expr).toBe(true);
        }
      }
    }
  });

  it('read only metrics the services expose (or RabbitMQ per-queue metrics)', async () => {
    const registry = new Metrics('test').registry;
    const exposed = new Set<string>();
    for (const m of await registry.getMetricsAsJSON()) {
      exposed.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_count', '_sum']) exposed.add(m.name + s);
    }
    const used = new Set(Object.values(dashboards).flatMap((d) => expressions(d).flatMap(seriesNames)));
    expect(used.size).toBeGreaterThan(4);
    for (const name of used) {
      if (name.startsWith('rabbitmq_')) expect(name).toBe('rabbitmq_detailed_queue_messages');
      else expect(exposed.has(name), `${name} is not a metric of packages/kit`).toBe(true);
    }
  });

  it('know the queues of the contracts and the ports of compose.yaml', () => {
    expect(workerQueues(GENLAKE)).toEqual(consumerQueues());
    expect(pipelineQueues(GENLAKE)).toEqual([QUEUES.processorBatchAccepted, QUEUES.correctorGenerationProduced]);
    const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    for (const svc of GENLAKE.services)
      expect(compose.services[svc.name].environment?.PORT, svc.name).toBe(String(svc.port));
  });

  it('tell whom to call: one status for the platform and one per service, each mapped to "Call <team>"', () => {
    const d = dashboards['who-to-call.json'];
    const stats = panelsOf(d).filter((p) => p.type === 'stat');
    const teams = [GENLAKE.platform.name, ...GENLAKE.services.map((s) => s.owner.name)];
    expect(stats).toHaveLength(teams.length);
    for (const [i, team] of teams.entries()) {
      const texts = (stats[i].fieldConfig?.defaults?.mappings ?? []).map(
        (m) => (m.options as { result: { text?: string } }).result.text,
      );
      expect(texts).toEqual(['All good', `Call ${team}`]);
    }
    const text = panelsOf(d).find((p) => p.type === 'text')!.options as { content: string };
    for (const team of teams) expect(text.content).toContain(`**${team}**`);
    expect(text.content).toContain(`/d/${UIDS.intake}`);
  });
});

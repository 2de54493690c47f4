/**
 * Writes every dashboard as plain JSON to dashboards/generated/ (committed; Grafana provisions that folder).
 * Run with `npm run dashboards` (builds this package, then `node dashboards/dist/build.js`).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { intakeDashboard } from './intake.dashboard';
import { stuckDashboard } from './stuck.dashboard';
import { GENLAKE, type Topology } from './topology.catalog';
import { whoToCallDashboard } from './who-to-call.dashboard';

/** Where the JSON goes (the same from src/ and dist/). */
export const GENERATED_DIR = join(__dirname, '..', 'generated');

/** Dashboard uids: stable, because links and bookmarks use them. */
export const UIDS = { intake: 'genlake-intake', stuck: 'genlake-stuck', whoToCall: 'genlake-who-to-call' } as const;

/** Every dashboard by file name. */
export function allDashboards(topology: Topology = GENLAKE): Record<string, dashboard.Dashboard> {
  return {
    'intake.json': intakeDashboard({ uid: UIDS.intake, topology, latencyOrangeSeconds: 1, latencyRedSeconds: 5 }),
    'stuck.json': stuckDashboard({ uid: UIDS.stuck, topology, stalledAfter: '15m' }),
    'who-to-call.json': whoToCallDashboard({
      uid: UIDS.whoToCall,
      topology,
      intakeUid: UIDS.intake,
      stuckUid: UIDS.stuck,
    }),
  };
}

/** The files' contents, exactly as written. */
export function renderDashboards(topology: Topology = GENLAKE): Record<string, string> {
  return Object.fromEntries(
    Object.entries(allDashboards(topology)).map(([file, d]) => [file, `${JSON.stringify(d, null, 2)}\n`]),
  );
}

/** Replaces the JSON files in `dir` with the current dashboards; returns the file names written. */
export function writeDashboards(dir: string = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.json')) rmSync(join(dir, file));
  const files = renderDashboards();
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return Object.keys(files);
}

if (require.main === module) {
  for (const file of writeDashboards()) console.log(join(GENERATED_DIR, file));
}

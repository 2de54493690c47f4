#!/usr/bin/env node
// Regenerates infra/test/stateful-baseline.json from the built app (run `npx tsc -p infra/tsconfig.json` first).
// Do this deliberately: only when a stateful resource is added, or its replacement is intended and planned
// (data migrated, clients switched). The baseline test fails on any stateful resource that disappears or changes type.
// Same as: UPDATE_BASELINE=1 npx vitest run --root . infra/src/stateful.baseline.test.ts
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { buildApp } = require('../dist/app');
const { GenlakeStage } = require('../dist/genlake.stage');
const { BASELINE_FILE, baselineOf } = require('../dist/stateful.baseline');

const outdir = mkdtempSync(join(tmpdir(), 'genlake-baseline-'));
try {
  const app = buildApp({ outdir });
  const stages = app.node.children.filter((c) => c instanceof GenlakeStage);
  const baseline = baselineOf(stages);
  writeFileSync(BASELINE_FILE, `${JSON.stringify(baseline, null, 2)}\n`);
  const count = Object.values(baseline).flatMap((s) => Object.values(s).flatMap((r) => Object.keys(r))).length;
  console.log(`wrote ${BASELINE_FILE}: ${count} stateful resources in ${Object.keys(baseline).join(', ')}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

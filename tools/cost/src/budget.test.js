// The budget of the mission: dev + prod of the default configuration cost at most $300 a month.
// Prices the REAL infrastructure: when infra/dist/app.js exists it is synthesized into a temporary directory
// (CDK_OUTDIR); otherwise infra/cdk.out is read. Skipped only when neither exists.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAssembly } from './assembly.js';
import { loadPrices, loadUsage } from './config.js';
import { coverageProblems, estimate } from './estimate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const APP = path.join(ROOT, 'infra/dist/app.js');
const SYNTHESIZED = path.join(ROOT, 'infra/cdk.out');
const hasApp = fs.existsSync(APP);
const hasAssembly = fs.existsSync(path.join(SYNTHESIZED, 'manifest.json'));
const SKIP =
  'no infra/dist/app.js and no infra/cdk.out: build and synthesize the infra (npm run synth) to check the budget';

if (!hasApp && !hasAssembly) console.warn(`budget test skipped: ${SKIP}`);

describe.skipIf(!hasApp && !hasAssembly)('the default configuration fits the budget', () => {
  let outdir;
  let report;

  beforeAll(() => {
    let dir = SYNTHESIZED;
    if (hasApp) {
      outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'genlake-cost-synth-'));
      const r = spawnSync(process.execPath, [APP], {
        cwd: path.join(ROOT, 'infra'),
        env: { ...process.env, CDK_OUTDIR: outdir },
        encoding: 'utf8',
        timeout: 240_000,
      });
      if (r.status !== 0)
        throw new Error(`node infra/dist/app.js failed (${r.status ?? r.signal}):\n${r.stderr || r.stdout}`);
      // an app that ignores CDK_OUTDIR writes infra/cdk.out
      dir = fs.existsSync(path.join(outdir, 'manifest.json')) ? outdir : SYNTHESIZED;
    }
    const usage = loadUsage();
    report = estimate({
      assembly: loadAssembly(dir, { stageOrder: usage.budget.stages }),
      prices: loadPrices(),
      usage,
    });
  }, 300_000);

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes dev and prod', () => {
    expect(report.environments.map((e) => e.name)).toEqual(expect.arrayContaining(['dev', 'prod']));
    expect(report.budget.missing).toEqual([]);
  });

  it('prices every resource of every type it contains (no type costs $0 unseen)', () => {
    expect(coverageProblems(report)).toEqual([]);
  });

  it('costs at most $300 a month for dev + prod at list prices, whatever the free tier', () => {
    const b = report.budget;
    const summary = report.environments.map((e) => `${e.name} $${e.listSubtotal.toFixed(2)}`).join(', ');
    // the always-free tier is a second figure only: new accounts' credits run out, a second account gets none
    expect(b.freeTierTotal).toBeLessThanOrEqual(b.listTotal);
    expect(b.listTotal, `dev + prod at list prices = $${b.listTotal.toFixed(2)} (${summary})`).toBeLessThanOrEqual(
      b.limit,
    );
  });
});

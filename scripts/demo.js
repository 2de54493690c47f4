#!/usr/bin/env node
// Submits sample batches of several sizes to a running genlake, follows their progress live,
// prints their generations and corrections, and queries the lake with DuckDB.
// Usage: npm run demo [-- --url http://localhost:8080]
const { parseArgs } = require('node:util');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { GatewayClient, measurements, ndjsonChunks, toCsv } = require('@genlake/testing');

const { values } = parseArgs({
  options: { url: { type: 'string', default: process.env.GENLAKE_URL ?? 'http://localhost:8080' } },
});

async function main() {
  const client = new GatewayClient(values.url);
  try {
    await fetch(`${values.url}/health/ready`);
  } catch {
    console.error(`error: no genlake at ${values.url}; start it with "npm start" (or pass --url)`);
    process.exit(1);
  }
  const dataset = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '').toLowerCase()}`;
  const plan = [
    { label: 'tiny JSON', count: 12, kind: 'json' },
    { label: 'small JSON', count: 2_000, kind: 'json' },
    { label: 'CSV upload', count: 20_000, kind: 'csv' },
    { label: 'NDJSON stream', count: 100_000, kind: 'ndjson' },
    { label: 'outlier JSON', count: 2_000, kind: 'json', shift: 400 },
  ];
  console.log(`submitting ${plan.length} batches to dataset ${dataset} at ${values.url}\n`);
  const ids = [];
  for (const [i, p] of plan.entries()) {
    const opts = { count: p.count, entities: 5, seed: i + 1, shift: p.shift ?? 0 };
    const started = Date.now();
    const res =
      p.kind === 'json'
        ? await client.submitJson(dataset, [...measurements(opts)], 2)
        : p.kind === 'csv'
          ? await client.submitStream(dataset, toCsv(measurements(opts)), 'text/csv', 2)
          : await client.submitStream(dataset, ndjsonChunks(opts), 'application/x-ndjson', 2);
    if (res.status !== 202) {
      console.error(`error: ${p.label} was refused: ${res.status} ${res.text}`);
      process.exit(1);
    }
    ids.push(res.body.id);
    console.log(
      `  ${p.label.padEnd(14)} ${String(p.count).padStart(7)} records  -> 202 in ${Date.now() - started} ms  ${res.body.id}`,
    );
  }

  console.log('\nprogress:');
  const last = new Map();
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const batches = await Promise.all(ids.map((id) => client.batch(id)));
    for (const b of batches) {
      if (last.get(b.id) !== b.status) {
        last.set(b.id, b.status);
        console.log(`  ${new Date().toISOString().slice(11, 23)}  ${b.id.slice(0, 8)}  ${b.status}`);
      }
    }
    if (batches.every((b) => b.status === 'completed')) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const gens = await client.get(`/api/datasets/${dataset}/generations`);
  console.log('\ngenerations:');
  for (const g of gens.body.generations) {
    const tables = Object.entries(g.tables)
      .map(([t, s]) => `${t}=${s.rows}`)
      .join(' ');
    const used = g.usedGenerations?.length ? ` used=[${g.usedGenerations.join(',')}]` : '';
    console.log(`  #${g.number} ${g.stage.padEnd(9)} ${tables}${used}`);
  }

  console.log('\nthe lake, queried with DuckDB:');
  const sql = `select generation, count(*) as corrections, round(avg(score), 1) as mean_score, any_value(reason) as example
               from corrections where dataset = '${dataset}' group by generation order by generation`;
  console.log(`  npm run lake -- query "${sql.replace(/\s+/g, ' ')}"\n`);
  execFileSync(process.execPath, [join(__dirname, '..', 'lake', 'dist', 'cli.js'), 'query', sql], { stdio: 'inherit' });
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});

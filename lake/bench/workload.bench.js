#!/usr/bin/env node
// Benchmark of the reference workload against DuckDB's plain read_json → Parquet copy.
// Usage (after `npm run build`): node lake/bench/workload.bench.js [records=1000000] [complexities=1,2,3,4,5] [runs=3]
// Prints one JSON line per measurement; the README's figures come from this script.
const { createWriteStream, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { once } = require('node:events');
const { LakeEngine, runWorkload, sqlString } = require('../dist/index.js');

function mulberry32(seed) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2026, 0, 1);

/** A: 100 entities × 4 metrics, one record every 30 s per series, in time order, no duplicates. */
function* datasetA(n) {
  const rnd = mulberry32(42);
  const metrics = ['temp', 'humidity', 'pressure', 'speed'];
  for (let i = 0; i < n; i++) {
    const s = i % 400;
    const k = Math.floor(i / 400);
    const rec = {
      i,
      entity: `entity-${s % 100}`,
      ts: new Date(T0 + k * 30_000).toISOString(),
      metric: metrics[Math.floor(s / 100)],
      value: Math.round((20 + 10 * Math.sin(k / 50) + rnd() * 5) * 1000) / 1000,
    };
    if (i % 3 === 0) rec.tags = { site: `S${s % 7}`, ok: true };
    yield rec;
  }
}

/** B: 1,000 entities × 5 metrics, random times within a day, random order, ~10 % duplicates. */
function* datasetB(n) {
  const rnd = mulberry32(7);
  const metrics = ['Temp', 'rh', 'co2', 'lux', 'pm25'];
  const recent = [];
  for (let i = 0; i < n; i++) {
    let rec;
    if (recent.length > 1000 && rnd() < 0.1) {
      const p = recent[Math.floor(rnd() * recent.length)];
      rec = { ...p, i, value: p.value + 1 };
    } else {
      rec = {
        i,
        entity: `dev-${Math.floor(rnd() * 1000)}`,
        ts: new Date(T0 + Math.floor(rnd() * 86_400_000)).toISOString(),
        metric: metrics[Math.floor(rnd() * 5)],
        value: Math.round(rnd() * 1e6) / 1e3,
      };
      if (rnd() < 0.3) rec.tags = { fw: `v${Math.floor(rnd() * 9)}`, calibrated: rnd() < 0.5 };
    }
    if (recent.length < 100_000) recent.push(rec);
    else recent[Math.floor(rnd() * 100_000)] = rec;
    yield rec;
  }
}

async function writeNdjson(path, records) {
  const out = createWriteStream(path);
  let buf = [];
  for (const rec of records) {
    buf.push(JSON.stringify(rec));
    if (buf.length === 10_000) {
      if (!out.write(`${buf.join('\n')}\n`)) await once(out, 'drain');
      buf = [];
    }
  }
  if (buf.length) out.write(`${buf.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const records = Number(process.argv[2] ?? 1_000_000);
  const complexities = (process.argv[3] ?? '1,2,3,4,5').split(',').map(Number);
  const runs = Number(process.argv[4] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-bench-'));
  const engine = await LakeEngine.create({ threads: 2 });
  try {
    const conn = await engine.connect();
    for (const [name, gen] of [
      ['A', datasetA],
      ['B', datasetB],
    ]) {
      const ndjson = join(dir, `${name}.ndjson`);
      await writeNdjson(ndjson, gen(records));
      const bytes = statSync(ndjson).size;
      const baseline = [];
      for (let r = 0; r < runs; r++) {
        const sql = `COPY (SELECT * FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited')) TO ${sqlString(join(dir, 'baseline.parquet'))} (FORMAT parquet)`;
        baseline.push((await timed(() => conn.run(sql))).ms);
      }
      console.log(
        JSON.stringify({
          dataset: name,
          records,
          ndjsonBytes: bytes,
          step: 'baseline',
          medianMs: Math.round(median(baseline)),
          runsMs: baseline.map(Math.round),
        }),
      );
      for (const complexity of complexities) {
        const times = [];
        let out;
        for (let r = 0; r < runs; r++) {
          const t = await timed(() =>
            runWorkload(conn, { ndjsonPath: ndjson, batchId: 'bench', complexity, outDir: join(dir, 'out') }),
          );
          times.push(t.ms);
          out = t.result;
        }
        const rows = Object.fromEntries(Object.entries(out).map(([table, f]) => [table, f.rows]));
        console.log(
          JSON.stringify({
            dataset: name,
            records,
            step: 'workload',
            complexity,
            medianMs: Math.round(median(times)),
            runsMs: times.map(Math.round),
            rows,
          }),
        );
      }
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBatch, writeNdjson } from './batch.fixture';
import { LakeEngine, sqlString } from './duckdb';
import { readResultSet } from './result.format';
import { complexitySettings, runWorkload, WorkloadInputError, type WorkloadResult } from './workload';

const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-workload-'));
const batch = makeBatch(500);
const ndjsonPath = join(dir, 'batch.ndjson');
writeNdjson(ndjsonPath, batch.records);

let engine: LakeEngine;
let conn: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const result = await readResultSet(await conn.runAndRead(sql));
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
}

async function scalar(sql: string): Promise<unknown> {
  return Object.values((await rows(sql))[0])[0];
}

const file = (out: WorkloadResult, table: keyof WorkloadResult): string =>
  `read_parquet(${sqlString(out[table].localFile)})`;

beforeAll(async () => {
  engine = await LakeEngine.create({ threads: 2 });
  conn = await engine.connect();
});

afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('complexitySettings', () => {
  it('maps complexity to window length and passes', () => {
    expect([1, 2, 3, 4, 5].map((c) => complexitySettings(c))).toEqual([
      { complexity: 1, windowSeconds: 3600, passes: 1 },
      { complexity: 2, windowSeconds: 900, passes: 2 },
      { complexity: 3, windowSeconds: 300, passes: 3 },
      { complexity: 4, windowSeconds: 60, passes: 4 },
      { complexity: 5, windowSeconds: 10, passes: 5 },
    ]);
  });

  it('rejects anything else', () => {
    for (const c of [0, 6, 2.5, Number.NaN]) expect(() => complexitySettings(c)).toThrow(RangeError);
  });
});

describe('runWorkload', () => {
  const complexity = 3;
  const { windowSeconds, passes } = complexitySettings(complexity);
  let out: WorkloadResult;

  beforeAll(async () => {
    out = await runWorkload(conn, { ndjsonPath, batchId: 'batch-1', complexity, outDir: join(dir, 'run-a') });
  });

  it('writes one row per record and flags the earlier copy of each duplicate', async () => {
    const winners = new Map<string, number>();
    for (const r of batch.records) winners.set(batch.keyOf(r), r.i);
    const expectedDuplicates = batch.records.filter((r) => winners.get(batch.keyOf(r)) !== r.i).map((r) => r.i);
    expect(expectedDuplicates.length).toBe(60);

    expect(out.observations.rows).toBe(batch.records.length);
    const flagged = await rows(`SELECT obs_id FROM ${file(out, 'observations')} WHERE is_duplicate ORDER BY obs_id`);
    expect(flagged.map((r) => r.obs_id)).toEqual(expectedDuplicates);
    expect(
      await scalar(`SELECT count(DISTINCT batch_id) || ':' || any_value(batch_id) FROM ${file(out, 'observations')}`),
    ).toBe('1:batch-1');
  });

  it('normalizes entity and metric and keeps tags as JSON text', async () => {
    const series = await rows(`SELECT DISTINCT entity, metric FROM ${file(out, 'observations')} ORDER BY ALL`);
    expect(series).toEqual([
      { entity: 'e1', metric: 'humidity' },
      { entity: 'e1', metric: 'temp' },
      { entity: 'e2', metric: 'humidity' },
      { entity: 'e2', metric: 'temp' },
      { entity: 'e3', metric: 'humidity' },
      { entity: 'e3', metric: 'temp' },
    ]);
    const tagged = await rows(
      `SELECT obs_id, tags FROM ${file(out, 'observations')} WHERE obs_id IN (0, 6) ORDER BY obs_id`,
    );
    expect(JSON.parse(tagged[0].tags as string)).toEqual(batch.records[0].tags);
    expect(tagged[1].tags).toBeNull();
    expect(await scalar(`SELECT ts::VARCHAR FROM ${file(out, 'observations')} WHERE obs_id = 1`)).toBe(
      '2026-01-01 00:00:00.01',
    );
  });

  it('builds the windows the records fall in, with exact statistics', async () => {
    const expected = new Map<string, number[]>();
    const winners = new Map<string, number>();
    for (const r of batch.records) winners.set(batch.keyOf(r), r.i);
    for (const r of batch.records) {
      if (winners.get(batch.keyOf(r)) !== r.i) continue;
      const start = Math.floor(Date.parse(r.ts) / 1000 / windowSeconds) * windowSeconds;
      const key = `${r.entity.trim()}|${r.metric.trim().toLowerCase()}|${start}`;
      expected.set(key, [...(expected.get(key) ?? []), r.value]);
    }
    const windows = await rows(
      `SELECT window_id, entity, metric, epoch(window_start)::BIGINT AS start, epoch(window_end - window_start) AS width,
         obs_count, value_mean, value_min, value_max, value_stddev FROM ${file(out, 'windows')} ORDER BY window_id`,
    );
    expect(out.windows.rows).toBe(expected.size);
    expect(windows.map((w) => w.window_id)).toEqual(windows.map((_, i) => i + 1));
    for (const w of windows) {
      const values = expected.get(`${w.entity}|${w.metric}|${w.start}`);
      expect(values, `window ${w.window_id}`).toBeDefined();
      if (!values) continue;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(w.width).toBe(windowSeconds);
      expect(w.obs_count).toBe(values.length);
      expect(w.value_mean as number).toBeCloseTo(mean, 10);
      expect(w.value_min).toBe(Math.min(...values));
      expect(w.value_max).toBe(Math.max(...values));
      if (values.length === 1) expect(w.value_stddev).toBeNull();
      else {
        const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
        expect(w.value_stddev as number).toBeCloseTo(Math.sqrt(variance), 10);
      }
    }
  });

  it('links every row to existing parents', async () => {
    const o = file(out, 'observations');
    const w = file(out, 'windows');
    const f = file(out, 'features');
    const e = file(out, 'estimates');
    expect(await scalar(`SELECT count(*) FROM ${o} WHERE window_id NOT IN (SELECT window_id FROM ${w})`)).toBe(0);
    expect(
      await scalar(
        `SELECT count(*) FROM ${w} WHERE first_obs_id NOT IN (SELECT obs_id FROM ${o} WHERE NOT is_duplicate)
           OR last_obs_id NOT IN (SELECT obs_id FROM ${o} WHERE NOT is_duplicate)`,
      ),
    ).toBe(0);
    expect(await scalar(`SELECT sum(obs_count) FROM ${w}`)).toBe(
      await scalar(`SELECT count(*) FROM ${o} WHERE NOT is_duplicate`),
    );
    // Observations sit inside their window and share its series.
    expect(
      await scalar(
        `SELECT count(*) FROM ${o} ob JOIN ${w} wi USING (window_id)
         WHERE ob.entity <> wi.entity OR ob.metric <> wi.metric OR ob.ts < wi.window_start OR ob.ts >= wi.window_end`,
      ),
    ).toBe(0);
    expect(out.features.rows).toBe(out.windows.rows * passes);
    expect(await scalar(`SELECT count(*) FROM ${f} WHERE window_id NOT IN (SELECT window_id FROM ${w})`)).toBe(0);
    expect(
      await scalar(
        `SELECT count(*) FROM ${f} c WHERE (pass = 1 AND parent_feature_id IS NOT NULL) OR (pass > 1 AND NOT EXISTS (
           SELECT 1 FROM ${f} p WHERE p.feature_id = c.parent_feature_id AND p.window_id = c.window_id AND p.pass = c.pass - 1))`,
      ),
    ).toBe(0);
    expect(out.estimates.rows).toBe(6);
    expect(
      await scalar(
        `SELECT count(*) FROM ${e} WHERE source_feature_id NOT IN (SELECT feature_id FROM ${f} WHERE pass = ${passes})`,
      ),
    ).toBe(0);
  });

  it('derives features as moving averages of the previous pass', async () => {
    const f = await rows(
      `SELECT entity, metric, pass, value, delta FROM ${file(out, 'features')} ORDER BY entity, metric, pass, window_start`,
    );
    const series = new Map<string, number[]>();
    for (const r of f) {
      const key = `${r.entity}|${r.metric}|${r.pass}`;
      series.set(key, [...(series.get(key) ?? []), r.value as number]);
    }
    for (const [key, values] of series) {
      const [entity, metric, pass] = key.split('|');
      if (pass === '1') continue;
      const prev = series.get(`${entity}|${metric}|${Number(pass) - 1}`) ?? [];
      values.forEach((v, i) => {
        const frame = prev.slice(Math.max(0, i - Number(pass) + 1), i + 1);
        expect(v).toBeCloseTo(frame.reduce((a, b) => a + b, 0) / frame.length, 10);
      });
    }
    let previous: Record<string, unknown> | undefined;
    for (const r of f) {
      const sameSeries =
        previous && previous.entity === r.entity && previous.metric === r.metric && previous.pass === r.pass;
      if (!sameSeries) expect(r.delta).toBeNull();
      else expect(r.delta as number).toBeCloseTo((r.value as number) - (previous?.value as number), 12);
      previous = r;
    }
  });

  it('estimates each series from the last window and all non-duplicate observations', async () => {
    const estimates = await rows(
      `SELECT e.*, f.value AS feature_value, f.window_id, (SELECT max(window_id) FROM ${file(out, 'windows')} w
         WHERE w.entity = e.entity AND w.metric = e.metric) AS last_window
       FROM ${file(out, 'estimates')} e JOIN ${file(out, 'features')} f ON f.feature_id = e.source_feature_id
       ORDER BY estimate_id`,
    );
    expect(estimates.map((e) => e.estimate_id)).toEqual([1, 2, 3, 4, 5, 6]);
    const winners = new Map<string, (typeof batch.records)[number]>();
    for (const r of batch.records) winners.set(batch.keyOf(r), r);
    for (const e of estimates) {
      expect(e.value).toBe(e.feature_value);
      expect(e.window_id).toBe(e.last_window);
      const values = [...winners.values()]
        .filter((r) => r.entity.trim() === e.entity && r.metric.trim().toLowerCase() === e.metric)
        .map((r) => r.value);
      expect(e.obs_count).toBe(500);
      expect(e.mean as number).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 10);
    }
  });

  it('is byte-for-byte deterministic, whatever the thread count', async () => {
    const again = await runWorkload(conn, { ndjsonPath, batchId: 'batch-1', complexity, outDir: join(dir, 'run-b') });
    const single = await LakeEngine.create({ threads: 1 });
    try {
      const other = await runWorkload(await single.connect(), {
        ndjsonPath,
        batchId: 'batch-1',
        complexity,
        outDir: join(dir, 'run-c'),
      });
      for (const table of ['observations', 'windows', 'features', 'estimates'] as const) {
        expect(again[table].sha256, table).toBe(out[table].sha256);
        expect(other[table].sha256, table).toBe(out[table].sha256);
        expect(again[table].bytes).toBe(out[table].bytes);
      }
    } finally {
      await single.close();
    }
  });

  it('writes exactly the columns of the table definitions', async () => {
    const cols = await rows(`DESCRIBE SELECT * FROM ${file(out, 'features')}`);
    expect(cols.map((c) => `${c.column_name}:${c.column_type}`)).toEqual([
      'feature_id:BIGINT',
      'window_id:BIGINT',
      'pass:INTEGER',
      'parent_feature_id:BIGINT',
      'entity:VARCHAR',
      'metric:VARCHAR',
      'window_start:TIMESTAMP',
      'value:DOUBLE',
      'delta:DOUBLE',
    ]);
  });
});

describe('runWorkload input checks', () => {
  it('rejects records without a value', async () => {
    const path = join(dir, 'bad.ndjson');
    writeNdjson(path, [
      { i: 0, entity: 'e', ts: '2026-01-01T00:00:00Z', metric: 'm', value: 1 },
      { i: 1, entity: 'e', ts: '2026-01-01T00:00:01Z', metric: 'm' },
    ]);
    await expect(
      runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 1, outDir: join(dir, 'bad') }),
    ).rejects.toThrow(WorkloadInputError);
  });

  it('rejects malformed lines and unparsable fields as input errors', async () => {
    const path = join(dir, 'malformed.ndjson');
    for (const body of [
      '{"i":0,"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1}\n{broken\n',
      '{"i":0,"entity":"e","ts":"yesterday","metric":"m","value":1}\n',
      '{"i":0,"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":"high"}\n',
    ]) {
      writeFileSync(path, body);
      await expect(
        runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 1, outDir: join(dir, 'malformed') }),
      ).rejects.toThrow(WorkloadInputError);
    }
  });

  it('writes empty tables for an empty batch', async () => {
    const path = join(dir, 'empty.ndjson');
    writeFileSync(path, '');
    const out = await runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 2, outDir: join(dir, 'empty') });
    expect(Object.values(out).map((f) => f.rows)).toEqual([0, 0, 0, 0]);
  });

  it('rejects repeated record indexes', async () => {
    const path = join(dir, 'repeat.ndjson');
    writeNdjson(path, [
      { i: 0, entity: 'e', ts: '2026-01-01T00:00:00Z', metric: 'm', value: 1 },
      { i: 0, entity: 'e', ts: '2026-01-01T00:00:01Z', metric: 'm', value: 2 },
    ]);
    await expect(
      runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 1, outDir: join(dir, 'repeat') }),
    ).rejects.toThrow(/repeat/);
  });

  it('converts timestamps with offsets to UTC and handles a single record', async () => {
    const path = join(dir, 'offset.ndjson');
    writeNdjson(path, [{ i: 0, entity: 'e', ts: '2026-01-01T02:30:00+02:00', metric: 'M', value: 4.5 }]);
    const out = await runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 5, outDir: join(dir, 'offset') });
    expect(out.observations.rows).toBe(1);
    expect(out.features.rows).toBe(5);
    const [w] = await rows(`SELECT window_start::VARCHAR AS s, value_mean, value_stddev FROM ${file(out, 'windows')}`);
    expect(w).toEqual({ s: '2026-01-01 00:30:00', value_mean: 4.5, value_stddev: null });
    expect(await scalar(`SELECT value FROM ${file(out, 'estimates')}`)).toBe(4.5);
  });

  it('keeps windows exact across extreme magnitudes within a series', async () => {
    const path = join(dir, 'magnitudes.ndjson');
    const at = (h: number, sec: number) => new Date(Date.UTC(2026, 0, 1, h, 0, sec)).toISOString();
    const values: [number, number][] = [
      [0, 1e10],
      [0, -1e10 + 1],
      [1, 1e-20],
      [1, 3e-20],
      [1, 2e-20],
      [2, 0],
      [2, 0],
    ];
    writeNdjson(
      path,
      values.map(([h, value], i) => ({ i, entity: 'x', metric: 'm', ts: at(h, i), value })),
    );
    const out = await runWorkload(conn, { ndjsonPath: path, batchId: 'b', complexity: 1, outDir: join(dir, 'mag') });
    const w = await rows(`SELECT value_mean, value_stddev FROM ${file(out, 'windows')} ORDER BY window_id`);
    expect(w[0].value_mean).toBe(0.5);
    expect(Math.abs((w[0].value_stddev as number) - (2e10 - 1) / Math.SQRT2) / 1e10).toBeLessThan(1e-15);
    expect(Math.abs((w[1].value_mean as number) - 2e-20) / 2e-20).toBeLessThan(1e-15);
    expect(Math.abs((w[1].value_stddev as number) - 1e-20) / 1e-20).toBeLessThan(1e-15);
    expect(w[2]).toEqual({ value_mean: 0, value_stddev: 0 });
  });
});

describe('runWorkload against a reference model', () => {
  it('matches per-window counts, extremes and means for random batches', async () => {
    const record = fc.record({
      entity: fc.constantFrom('a', 'b', ' a'),
      metric: fc.constantFrom('m', 'M', 'n'),
      second: fc.integer({ min: 0, max: 7200 }),
      value: fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -5, max: 5 }),
      ),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        async (recs, c) => {
          const { windowSeconds } = complexitySettings(c);
          const path = join(dir, `prop-${run}.ndjson`);
          const lines = recs.map((r, i) => ({
            i,
            entity: r.entity,
            metric: r.metric,
            ts: new Date(Date.UTC(2026, 0, 1) + r.second * 1000).toISOString(),
            value: Object.is(r.value, -0) ? 0 : r.value,
          }));
          writeNdjson(path, lines);
          const out = await runWorkload(conn, {
            ndjsonPath: path,
            batchId: 'p',
            complexity: c,
            outDir: join(dir, `prop-${run++}`),
          });
          const latest = new Map<string, (typeof lines)[number]>();
          for (const r of lines) latest.set(`${r.entity.trim()}|${r.metric.toLowerCase()}|${r.ts}`, r);
          const model = new Map<string, number[]>();
          for (const [key, r] of latest) {
            const [entity, metric] = key.split('|');
            const start = Math.floor(Date.parse(r.ts) / 1000 / windowSeconds) * windowSeconds;
            const wkey = `${entity}|${metric}|${start}`;
            model.set(wkey, [...(model.get(wkey) ?? []), r.value]);
          }
          const got = await rows(
            `SELECT entity || '|' || metric || '|' || epoch(window_start)::BIGINT AS k, obs_count, value_min, value_max,
             value_mean FROM ${file(out, 'windows')}`,
          );
          expect(got.length).toBe(model.size);
          expect(out.observations.rows).toBe(lines.length);
          for (const g of got) {
            const values = model.get(g.k as string) ?? [];
            expect(g.obs_count).toBe(values.length);
            expect(g.value_min).toBe(Math.min(...values));
            expect(g.value_max).toBe(Math.max(...values));
            const mean = values.reduce((a, b) => a + b, 0) / values.length;
            const scale = Math.max(...values.map(Math.abs), 1e-300);
            expect(Math.abs((g.value_mean as number) - mean)).toBeLessThanOrEqual(scale * 1e-12);
          }
        },
      ),
      { numRuns: 25, seed: 20260101 },
    );
  }, 30_000);
});

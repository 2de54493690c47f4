import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '@genlake/kit';
import { LakeEngine, readTableSql } from '@genlake/lake';
import {
  type BatchView,
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ndjsonChunks,
  ServiceProcess,
  setupTestServices,
  type TestServices,
  toCsv,
} from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The whole pipeline as processes: gateway, processor and corrector against real Postgres, RabbitMQ
 * and an S3 server. More than 100 batches of mixed sizes and formats, several per dataset, one of
 * 200,000 records; then every invariant the platform promises is checked from the outside.
 */
describe('pipeline end to end', () => {
  let services: TestServices;
  let gateway: ServiceProcess;
  let processor: ServiceProcess;
  let corrector: ServiceProcess;
  let client: GatewayClient;
  let sql: postgres.Sql;
  let workDir: string;
  const submitted: Array<{ id: string; dataset: string; records: number }> = [];
  let completed: BatchView[] = [];

  beforeAll(async () => {
    services = await setupTestServices('e2e');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-e2e-'));
    // The test polls a hundred batches at once: well above one user's default request budget.
    const env = { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work'), ...GENEROUS_LIMITS };
    const logs = join(workDir, 'logs');
    [gateway, processor, corrector] = await Promise.all([
      ServiceProcess.start('gateway', env, logs),
      ServiceProcess.start('processor', { ...env, PROCESSOR_CONCURRENCY: '2' }, logs),
      ServiceProcess.start('corrector', env, logs),
    ]);
    client = new GatewayClient(gateway.url);
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    await client.signUp(sql);
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), processor?.stop(), corrector?.stop()]);
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  it('accepts 100+ batches of mixed sizes and formats at once', async () => {
    const big = await client.submitStream(
      'e2e-big',
      ndjsonChunks({ count: 200_000, entities: 50, seed: 7 }),
      'application/x-ndjson',
      2,
    );
    expect(big.status, big.text).toBe(202);
    submitted.push({ id: big.body.id as string, dataset: 'e2e-big', records: 200_000 });

    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < 104; i++) {
      const dataset = `e2e-ds-${i % 8}`;
      const count = [1, 10, 250, 1000, 5000][i % 5];
      // Every 13th batch of a dataset is shifted far from the others: an outlier to correct.
      const shift = i >= 48 && i % 13 === 0 ? 500 : 0;
      const records = [...measurements({ count, entities: 4, seed: i + 1, shift })];
      jobs.push(
        (async () => {
          const res =
            i % 3 === 0
              ? await client.submitStream(dataset, toCsv(records), 'text/csv', 1 + (i % 3))
              : await client.submitJson(dataset, records, 1 + (i % 3));
          expect(res.status, res.text).toBe(202);
          expect(res.headers.get('location')).toBe(`/api/batches/${res.body.id}`);
          submitted.push({ id: res.body.id as string, dataset, records: count });
        })(),
      );
      if (jobs.length >= 16) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
    expect(submitted.length).toBeGreaterThanOrEqual(105);
  });

  it('completes every batch', async () => {
    completed = await client.waitCompleted(
      submitted.map((s) => s.id),
      600_000,
    );
    for (const b of completed) {
      expect(b.status).toBe('completed');
      const expected = submitted.find((s) => s.id === b.id)!;
      expect(b.recordCount).toBe(expected.records);
      expect(b.generations.map((g) => g.stage).sort()).toEqual(['corrected', 'processed']);
      expect(b.generations.every((g) => g.status === 'complete')).toBe(true);
      const processed = b.generations.find((g) => g.stage === 'processed')!;
      expect(processed.tables.observations.rows).toBe(expected.records);
    }
  });

  it('processed each batch exactly once in effect', async () => {
    const announcements = await sql<{ batch_id: string; n: number }[]>`
      select payload->'data'->>'batchId' as batch_id, count(*)::int as n from outbox
      where routing_key = 'batch.completed' group by 1`;
    expect(announcements.length).toBe(submitted.length);
    expect(announcements.every((a) => a.n === 1)).toBe(true);
    const produced = await sql<{ n: number }[]>`
      select count(*)::int as n from outbox where routing_key = 'generation.produced'`;
    expect(produced[0].n).toBe(submitted.length);
    const gens = await sql<{ n: number }[]>`select count(*)::int as n from generations`;
    expect(gens[0].n).toBe(submitted.length * 2);
  });

  it('numbers generations gaplessly per dataset and stage', async () => {
    const rows = await sql<{ dataset: string; stage: string; numbers: number[] }[]>`
      select d.name as dataset, g.stage, array_agg(g.number order by g.number) as numbers
      from generations g join datasets d on d.id = g.dataset_id group by 1, 2`;
    for (const r of rows) {
      expect(r.numbers, `${r.dataset} ${r.stage}`).toEqual(r.numbers.map((_, i) => i + 1));
    }
    const perDataset = new Map<string, number>();
    for (const s of submitted) perDataset.set(s.dataset, (perDataset.get(s.dataset) ?? 0) + 1);
    for (const r of rows) expect(r.numbers.length).toBe(perDataset.get(r.dataset));
  });

  it('keeps the lake and the manifests in agreement, and DuckDB reads every file', async () => {
    const storage = openStorage(services.storageUrl, {
      region: services.s3.region,
      endpoint: services.s3.endpoint,
      accessKeyId: services.s3.accessKeyId,
      secretAccessKey: services.s3.secretAccessKey,
    });
    const manifest = await sql<
      {
        object_key: string;
        table_name: string;
        row_count: number;
        size_bytes: number;
        number: number;
        dataset: string;
      }[]
    >`
      select f.object_key, f.table_name, f.row_count, f.size_bytes, g.number, d.name as dataset
      from generation_files f join generations g on g.id = f.generation_id join datasets d on d.id = g.dataset_id`;
    expect(manifest.length).toBe(submitted.length * 6);
    const objects = await storage.list('lake/');
    expect(objects.map((o) => o.key).sort()).toEqual(manifest.map((m) => m.object_key).sort());

    const engine = await LakeEngine.create({ threads: 2 });
    const conn = await engine.connect();
    const local = join(workDir, 'verify');
    try {
      for (const m of manifest) {
        const path = join(local, m.object_key);
        await storage.download(m.object_key, path);
        const reader = await conn.runAndReadAll(
          `SELECT count(*) AS n, any_value(generation) AS g, any_value(dataset) AS d FROM (${readTableSql(m.table_name, [path])})`,
        );
        const [row] = reader.getRowObjects();
        expect(Number(row.n), m.object_key).toBe(Number(m.row_count));
        if (Number(m.row_count) > 0) {
          expect(Number(row.g)).toBe(m.number);
          expect(row.d).toBe(m.dataset);
        }
      }

      // Every correction names previous generations of its own dataset that exist.
      const corrections = manifest.filter((m) => m.table_name === 'corrections' && Number(m.row_count) > 0);
      expect(corrections.length).toBeGreaterThan(0);
      const numbers = await sql<{ dataset: string; number: number }[]>`
        select d.name as dataset, g.number from generations g join datasets d on d.id = g.dataset_id where g.stage = 'processed'`;
      for (const m of corrections) {
        const reader = await conn.runAndReadAll(
          `SELECT generations_used, reason FROM (${readTableSql('corrections', [join(local, m.object_key)])})`,
        );
        for (const row of reader.getRowObjects()) {
          const used = (row.generations_used as { items: number[] }).items.map(Number);
          expect(used.length).toBeGreaterThan(0);
          expect(String(row.reason).length).toBeGreaterThan(10);
          for (const n of used) {
            expect(n).toBeLessThan(m.number);
            expect(numbers.some((x) => x.dataset === m.dataset && x.number === n)).toBe(true);
          }
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('serves results, generations, pages of intermediate data and live events', async () => {
    const target = completed.find((b) => b.dataset === 'e2e-ds-1' && b.recordCount === 10)!;
    const json = await client.get<{ rows: Array<Record<string, unknown>> }>(`/api/batches/${target.id}/result`);
    expect(json.status).toBe(200);
    expect(json.body.rows.length).toBeGreaterThan(0);
    expect(Object.keys(json.body.rows[0]).sort()).toEqual(
      ['corrected', 'correction_id', 'entity', 'estimate_id', 'metric', 'original_value', 'value'].sort(),
    );
    const csv = await client.get<string>(`/api/batches/${target.id}/result?format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(String(csv.body).trim().split('\n').length).toBe(json.body.rows.length + 1);
    const arrow = await fetch(`${gateway.url}/api/batches/${target.id}/result`, {
      headers: client.auth({ accept: 'application/vnd.apache.arrow.stream' }),
    });
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(json.body.rows.length);

    const gens = await client.get<{ generations: unknown[] }>(`/api/datasets/e2e-ds-1/generations`);
    expect(gens.status).toBe(200);
    expect(gens.body.generations.length).toBe(submitted.filter((s) => s.dataset === 'e2e-ds-1').length * 2);

    // Page through the 200,000 observations of the big batch with a filter, ordering and cursors.
    const big = completed.find((b) => b.dataset === 'e2e-big')!;
    const processed = big.generations.find((g) => g.stage === 'processed')!;
    let cursor: string | null = null;
    let seen = 0;
    let previous = Number.NEGATIVE_INFINITY;
    for (let page = 0; page < 3; page++) {
      const url: string = `/api/generations/${processed.id}/tables/observations?entity=sensor-0003&order=value&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await client.get<{ rows: Array<{ entity: string; value: number }>; nextCursor: string | null }>(url);
      expect(res.status).toBe(200);
      for (const row of res.body.rows) {
        expect(row.entity).toBe('sensor-0003');
        expect(row.value).toBeGreaterThanOrEqual(previous);
        previous = row.value;
      }
      seen += res.body.rows.length;
      cursor = res.body.nextCursor;
    }
    expect(seen).toBe(1500);
    const forged = Buffer.from(JSON.stringify({ k: ['not-a-number', 1] })).toString('base64url');
    const refused = await client.get<{ message: string }>(
      `/api/generations/${processed.id}/tables/observations?order=value&cursor=${forged}`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/value must be a number/);
    // Extreme and repeated values are the client's mistake (400 with a reason), never an outage (503).
    const cursorOf = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');
    const tablePage = `/api/generations/${processed.id}/tables/observations`;
    for (const query of [
      'order=value&order=ts',
      'ts[gte]=%2B275760-09-13T00:00:00Z',
      'ts[gte]=-271821-04-20T00:00:00Z',
      'ts[gte]=10000-01-01T00:00:00Z',
      'ts[gte]=',
      'obs_id=9007199254740993',
      'obs_id=1e21',
      `cursor=${cursorOf({ o: 1e21 })}`,
      `order=ts&cursor=${cursorOf({ k: ['+275760-09-13T00:00:00.000Z', 1] })}`,
      'limit=1&limit=2',
    ]) {
      const res = await client.get<{ message: string }>(`${tablePage}?${query}`);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(typeof res.body.message, query).toBe('string');
    }
    // The same selection as one CSV file: every matching row, the filter and order applied, named for the table.
    const tableCsv = await fetch(`${gateway.url}${tablePage}/csv?entity=sensor-0003&order=-value`, {
      headers: client.auth(),
    });
    expect(tableCsv.status).toBe(200);
    expect(tableCsv.headers.get('content-disposition')).toBe(
      `attachment; filename="e2e-big-generation-${processed.number}-observations.csv"`,
    );
    const csvLines = (await tableCsv.text()).trimEnd().split('\n');
    const csvHeader = csvLines[0].split(',');
    expect(csvHeader).toEqual(expect.arrayContaining(['obs_id', 'entity', 'value']));
    const csvRows = csvLines.slice(1).map((l) => l.split(','));
    expect(csvRows.length).toBe(200_000 / 50);
    expect(csvRows.every((r) => r[csvHeader.indexOf('entity')] === 'sensor-0003')).toBe(true);
    const values = csvRows.map((r) => Number(r[csvHeader.indexOf('value')]));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    for (const query of ['limit=10', 'cursor=abc', 'nope=1']) {
      const res = await fetch(`${gateway.url}${tablePage}/csv?${query}`, { headers: client.auth() });
      expect(res.status, query).toBe(400);
    }
    const search = await client.get<{ rows: Array<{ metric: string }> }>(
      `/api/generations/${processed.id}/tables/windows?q=PRESS&limit=5`,
    );
    expect(search.status).toBe(200);
    expect(search.body.rows.length).toBe(5);
    expect(search.body.rows.every((r) => r.metric === 'pressure')).toBe(true);

    // Another user sees none of it (404 on every route, as if it did not exist); an operator sees all of it.
    const other = new GatewayClient(gateway.url);
    await other.signUp(sql);
    const operator = new GatewayClient(gateway.url);
    await operator.signUp(sql, { role: 'operator' });
    const corrected = big.generations.find((g) => g.stage === 'corrected')!;
    const owned = [
      `/api/batches/${big.id}`,
      `/api/batches/${big.id}/result`,
      `/api/batches/${big.id}/events`,
      '/api/datasets/e2e-big/generations',
      `/api/generations/${processed.id}/tables/observations?limit=1`,
      `/api/generations/${corrected.id}/tables/corrected_estimates?limit=1`,
      `/api/generations/${corrected.id}/tables/corrected_estimates/csv`,
    ];
    for (const path of owned) {
      const res = await fetch(`${gateway.url}${path}`, { headers: other.auth() });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { message: string }).message, path).toMatch(/^no /);
    }
    expect((await other.get<{ items: unknown[] }>('/api/batches')).body.items).toEqual([]);
    for (const path of owned.filter((p) => !p.endsWith('/events'))) {
      expect((await operator.get(path)).status, path).toBe(200);
    }

    // Live events: a new batch's stream goes from accepted to completed.
    const res = await client.submitJson('e2e-events', [...measurements({ count: 20, seed: 3 })]);
    const events = await fetch(`${gateway.url}/api/batches/${res.body.id}/events`, { headers: client.auth() });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const text = await events.text();
    const statuses = [...text.matchAll(/^id: (\w+)$/gm)].map((m) => m[1]);
    expect(statuses[0]).toMatch(/accepted|processing|correcting/);
    expect(statuses[statuses.length - 1]).toBe('completed');
  });

  it('lists batches with filters and cursors', async () => {
    const first = await client.get<{ items: BatchView[]; nextCursor: string }>('/api/batches?dataset=e2e-ds-2&limit=5');
    expect(first.status).toBe(200);
    expect(first.body.items.length).toBe(5);
    const second = await client.get<{ items: BatchView[] }>(
      `/api/batches?dataset=e2e-ds-2&limit=5&cursor=${first.body.nextCursor}`,
    );
    const ids = new Set([...first.body.items, ...second.body.items].map((b) => b.id));
    expect(ids.size).toBe(first.body.items.length + second.body.items.length);
    expect([...first.body.items, ...second.body.items].every((b) => b.dataset === 'e2e-ds-2')).toBe(true);
  });
});

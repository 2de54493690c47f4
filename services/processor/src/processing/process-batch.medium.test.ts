import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BatchAcceptedV1, buildMessage } from '@genlake/contracts';
import {
  createDatabase,
  createLogger,
  InboxRepository,
  type ObjectStorage,
  OutboxRepository,
  openStorage,
  type Sql,
} from '@genlake/kit';
import { LakeEngine } from '@genlake/lake';
import { measurements, setupTestServices, type TestServices } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchProcessingRepository } from './batch-processing.repository';
import { PayloadRepository } from './payload.repository';
import { ProcessBatch } from './process-batch.use-case';

describe('ProcessBatch against Postgres and S3', () => {
  let services: TestServices;
  let sql: Sql;
  let storage: ObjectStorage;
  let engine: LakeEngine;
  let workDir: string;
  let useCase: ProcessBatch;
  let repo: BatchProcessingRepository;
  let datasetId: string;

  beforeAll(async () => {
    services = await setupTestServices('processor');
    sql = createDatabase(services.databaseUrl, { max: 4 });
    storage = openStorage(services.storageUrl, {
      region: services.s3.region,
      endpoint: services.s3.endpoint,
      accessKeyId: services.s3.accessKeyId,
      secretAccessKey: services.s3.secretAccessKey,
    });
    engine = await LakeEngine.create({ threads: 2 });
    workDir = await mkdtemp(join(tmpdir(), 'genlake-processor-'));
    repo = new BatchProcessingRepository(sql, new InboxRepository(sql), new OutboxRepository(sql));
    useCase = new ProcessBatch(
      repo,
      new PayloadRepository(repo, storage),
      storage,
      engine,
      workDir,
      createLogger('test', 'silent'),
    );
    [{ id: datasetId }] = await sql<
      { id: string }[]
    >`insert into datasets (name, owner_id) values ('proc', 'public') returning id`;
  });

  afterAll(async () => {
    await engine?.close();
    await sql?.end();
    await services?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  async function acceptedBatch(count: number): Promise<BatchAcceptedV1> {
    const id = randomUUID();
    const body = [...measurements({ count, seed: count })].map((r, i) => `${JSON.stringify({ i, ...r })}\n`).join('');
    await sql`
      insert into batches (id, dataset_id, owner_id, record_count, options, source_format, payload_kind, payload_bytes,
                           payload_sha256, content_hash, correlation_id)
      values (${id}, ${datasetId}, 'public', ${count}, ${sql.json({ complexity: 2 })}, 'json', 'inline', ${body.length},
              'unused', 'unused', 'test')`;
    await sql`insert into batch_payloads (batch_id, body) values (${id}, ${body})`;
    return buildMessage(
      'batch.accepted',
      {
        batchId: id,
        datasetId,
        dataset: 'proc',
        ownerId: 'public',
        recordCount: count,
        options: { complexity: 2 },
        payload: { kind: 'inline' },
      },
      { correlationId: 'test' },
    );
  }

  it('writes the four tables, the manifest and the announcement, once', async () => {
    const message = await acceptedBatch(600);
    expect(await useCase.execute(message, message.id)).toBe('processed');
    expect(await useCase.execute(message, message.id)).toBe('duplicate');

    const gens = await sql<{ id: string; number: number; status: string }[]>`
      select id, number, status from generations where batch_id = ${message.data.batchId}`;
    expect(gens).toEqual([{ id: expect.any(String), number: 1, status: 'complete' }]);
    const files = await sql<{ table_name: string; object_key: string; row_count: number }[]>`
      select table_name, object_key, row_count from generation_files where generation_id = ${gens[0].id} order by table_name`;
    expect(files.map((f) => f.table_name)).toEqual(['estimates', 'features', 'observations', 'windows']);
    expect(files.find((f) => f.table_name === 'observations')?.row_count).toBe(600);
    for (const f of files) expect(await storage.exists(f.object_key)).toBe(true);
    const announced = await sql`select payload from outbox where routing_key = 'generation.produced'`;
    expect(announced).toHaveLength(1);
    const [batch] = await sql<{ status: string }[]>`select status from batches where id = ${message.data.batchId}`;
    expect(batch.status).toBe('correcting');
  });

  it('keeps the number an interrupted attempt took, so numbers stay gapless', async () => {
    const message = await acceptedBatch(50);
    const batch = await repo.findBatch(message.data.batchId);
    const first = await repo.startGeneration(batch!); // an attempt that died right after numbering
    expect(first.number).toBe(2);
    // The redelivery comes with the same message id.
    expect(await useCase.execute(message, message.id)).toBe('processed');
    const numbers = await sql<{ number: number }[]>`
      select number from generations where dataset_id = ${datasetId} and stage = 'processed' order by number`;
    expect(numbers.map((n) => n.number)).toEqual([1, 2]);
  });

  it('writes byte-identical files when a batch is processed again', async () => {
    const message = await acceptedBatch(300);
    await useCase.execute(message, message.id);
    const [before] = await sql<{ sha256: string; object_key: string }[]>`
      select f.sha256, f.object_key from generation_files f join generations g on g.id = f.generation_id
      where g.batch_id = ${message.data.batchId} and f.table_name = 'features'`;
    // Simulate a crash after the upload and before the commit: forget the completion and run again.
    await sql`delete from inbox where message_id = ${message.id}`;
    await sql`update generations set status = 'writing' where batch_id = ${message.data.batchId}`;
    await sql`update batches set status = 'processing' where id = ${message.data.batchId}`;
    expect(await useCase.execute(message, message.id)).toBe('processed');
    const [after] = await sql<{ sha256: string; object_key: string }[]>`
      select f.sha256, f.object_key from generation_files f join generations g on g.id = f.generation_id
      where g.batch_id = ${message.data.batchId} and f.table_name = 'features'`;
    expect(after).toEqual(before);
  });
});

import { randomUUID } from 'node:crypto';
import { BATCH_STATUS, type BatchStatus, statusesBefore } from '@genlake/contracts';
import type { InboxRepository, OutboxMessage, OutboxRepository, Sql } from '@genlake/kit';

export interface BatchToProcess {
  id: string;
  dataset_id: string;
  dataset: string;
  owner_id: string;
  status: BatchStatus;
  record_count: number;
  options: { complexity: number };
  payload_kind: 'inline' | 'object';
  payload_key: string | null;
  payload_bytes: number;
  payload_sha256: string;
}

export interface StartedGeneration {
  id: string;
  number: number;
  partitionDate: string;
  status: 'writing' | 'complete';
}

export interface ManifestEntry {
  table: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** The processor's view of Postgres: batches, generation numbering, manifests, inbox and outbox. */
export class BatchProcessingRepository {
  constructor(
    private readonly sql: Sql,
    private readonly inbox: InboxRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async findBatch(id: string): Promise<BatchToProcess | undefined> {
    const [row] = await this.sql<BatchToProcess[]>`
      select b.id, b.dataset_id, d.name as dataset, b.owner_id, b.status, b.record_count, b.options, b.payload_kind,
             b.payload_key, b.payload_bytes, b.payload_sha256
      from batches b join datasets d on d.id = b.dataset_id where b.id = ${id}`;
    return row;
  }

  async inlinePayload(batchId: string): Promise<string | undefined> {
    const [row] = await this.sql<{ body: string }[]>`select body from batch_payloads where batch_id = ${batchId}`;
    return row?.body;
  }

  /**
   * Gives the batch its generation number (the next one of its dataset, under the dataset's row lock)
   * or returns the one an earlier attempt assigned, and marks the batch processing.
   */
  async startGeneration(batch: BatchToProcess): Promise<StartedGeneration> {
    return this.sql.begin(async (tx) => {
      const [existing] = await tx<StartedGeneration[]>`
        select id, number, to_char(partition_date, 'YYYY-MM-DD') as "partitionDate", status from generations
        where batch_id = ${batch.id} and stage = 'processed'`;
      let generation = existing;
      if (!generation) {
        const [ds] = await tx<{ n: number }[]>`
          update datasets set last_generation = last_generation + 1 where id = ${batch.dataset_id}
          returning last_generation as n`;
        [generation] = await tx<StartedGeneration[]>`
          insert into generations (id, dataset_id, batch_id, number, stage, partition_date)
          values (${randomUUID()}, ${batch.dataset_id}, ${batch.id}, ${ds.n}, 'processed', (now() at time zone 'utc')::date)
          returning id, number, to_char(partition_date, 'YYYY-MM-DD') as "partitionDate", status`;
      }
      const processing = BATCH_STATUS.processing;
      await tx`
        update batches set status = ${processing}, processing_at = coalesce(processing_at, now()), updated_at = now()
        where id = ${batch.id} and status = any(${statusesBefore(processing)}::text[])`;
      return generation;
    });
  }

  /**
   * Records the finished generation, its manifest, the batch's move to `correcting`, the inbox entry
   * and the `generation.produced` announcement in one transaction. False when a duplicate delivery
   * already did it (nothing is written then).
   */
  async completeGeneration(input: {
    consumer: string;
    messageId: string;
    batchId: string;
    generationId: string;
    files: ManifestEntry[];
    stats: Record<string, unknown>;
    announcement: OutboxMessage;
  }): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      if (!(await this.inbox.record(tx, input.consumer, input.messageId))) return false;
      const [gen] = await tx<{ status: string }[]>`
        select status from generations where id = ${input.generationId} for update`;
      if (gen.status === 'complete') return false;
      await tx`delete from generation_files where generation_id = ${input.generationId}`;
      for (const f of input.files) {
        await tx`
          insert into generation_files (generation_id, table_name, object_key, row_count, size_bytes, sha256)
          values (${input.generationId}, ${f.table}, ${f.key}, ${f.rows}, ${f.bytes}, ${f.sha256})`;
      }
      await tx`
        update generations set status = 'complete', completed_at = now(), stats = ${tx.json(input.stats as never)}
        where id = ${input.generationId}`;
      const correcting = BATCH_STATUS.correcting;
      await tx`
        update batches set status = ${correcting}, correcting_at = now(), updated_at = now()
        where id = ${input.batchId} and status = any(${statusesBefore(correcting)}::text[])`;
      await this.outbox.add(tx, input.announcement);
      return true;
    });
  }

  /** Marks a message handled without other effects (for example a batch that is already past processing). */
  async acknowledgeOnly(consumer: string, messageId: string): Promise<void> {
    await this.sql.begin((tx) => this.inbox.record(tx, consumer, messageId));
  }
}

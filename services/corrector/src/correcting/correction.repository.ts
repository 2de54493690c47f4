import { randomUUID } from 'node:crypto';
import { BATCH_STATUS, type BatchStatus, statusesBefore } from '@genlake/contracts';
import type { InboxRepository, OutboxMessage, OutboxRepository, Sql } from '@genlake/kit';

export interface ProcessedGeneration {
  id: string;
  dataset_id: string;
  dataset: string;
  owner_id: string;
  batch_id: string;
  batch_status: BatchStatus;
  record_count: number;
  number: number;
  status: string;
  partition_date: string;
}

export interface HistoryGeneration {
  number: number;
  status: string;
  files: Array<{ key: string; size: number }>;
}

export interface CorrectedGeneration {
  id: string;
  status: string;
}

export interface ManifestEntry {
  table: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** The corrector's view of Postgres: generations, their estimate files, inbox and outbox. */
export class CorrectionRepository {
  constructor(
    private readonly sql: Sql,
    private readonly inbox: InboxRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async findProcessed(id: string): Promise<ProcessedGeneration | undefined> {
    const [row] = await this.sql<ProcessedGeneration[]>`
      select g.id, g.dataset_id, d.name as dataset, d.owner_id, g.batch_id, b.status as batch_status, b.record_count,
             g.number, g.status, to_char(g.partition_date, 'YYYY-MM-DD') as partition_date
      from generations g join datasets d on d.id = g.dataset_id join batches b on b.id = g.batch_id
      where g.id = ${id} and g.stage = 'processed'`;
    return row;
  }

  /** The processed generations numbered from..to of a dataset, with the files of their estimates. */
  async processedGenerations(datasetId: string, from: number, to: number): Promise<HistoryGeneration[]> {
    if (to < from) return [];
    return this.sql<HistoryGeneration[]>`
      select g.number, g.status,
             coalesce((select json_agg(json_build_object('key', f.object_key, 'size', f.size_bytes) order by f.object_key)
                         from generation_files f where f.generation_id = g.id and f.table_name = 'estimates'), '[]') as files
      from generations g
      where g.dataset_id = ${datasetId} and g.stage = 'processed' and g.number between ${from} and ${to}
      order by g.number`;
  }

  async files(generationId: string, table: string): Promise<Array<{ key: string; size: number }>> {
    return this.sql<Array<{ key: string; size: number }>>`
      select object_key as key, size_bytes as size from generation_files
      where generation_id = ${generationId} and table_name = ${table} order by object_key`;
  }

  /** The corrected generation of the same number, created on the first attempt and reused after. */
  async startCorrected(processed: ProcessedGeneration): Promise<CorrectedGeneration> {
    const [row] = await this.sql<CorrectedGeneration[]>`
      with created as (
        insert into generations (id, dataset_id, batch_id, number, stage, parent_generation_id, partition_date)
        values (${randomUUID()}, ${processed.dataset_id}, ${processed.batch_id}, ${processed.number}, 'corrected',
                ${processed.id}, ${processed.partition_date}::date)
        on conflict (batch_id, stage) do nothing returning id, status)
      select id, status from created
      union all
      select id, status from generations where batch_id = ${processed.batch_id} and stage = 'corrected'
      limit 1`;
    return row;
  }

  async complete(input: {
    consumer: string;
    messageId: string;
    batchId: string;
    generationId: string;
    usedGenerations: number[];
    files: ManifestEntry[];
    stats: Record<string, unknown>;
    announcement: OutboxMessage;
  }): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      if (!(await this.inbox.record(tx, input.consumer, input.messageId))) return false;
      const [gen] = await tx<
        { status: string }[]
      >`select status from generations where id = ${input.generationId} for update`;
      if (gen.status === 'complete') return false;
      await tx`delete from generation_files where generation_id = ${input.generationId}`;
      for (const f of input.files) {
        await tx`
          insert into generation_files (generation_id, table_name, object_key, row_count, size_bytes, sha256)
          values (${input.generationId}, ${f.table}, ${f.key}, ${f.rows}, ${f.bytes}, ${f.sha256})`;
      }
      await tx`
        update generations set status = 'complete', completed_at = now(), used_generations = ${input.usedGenerations}::int[],
               stats = ${tx.json(input.stats as never)}
        where id = ${input.generationId}`;
      const completed = BATCH_STATUS.completed;
      await tx`
        update batches set status = ${completed}, completed_at = now(), updated_at = now()
        where id = ${input.batchId} and status = any(${statusesBefore(completed)}::text[])`;
      await this.outbox.add(tx, input.announcement);
      return true;
    });
  }

  async acknowledgeOnly(consumer: string, messageId: string): Promise<void> {
    await this.sql.begin((tx) => this.inbox.record(tx, consumer, messageId));
  }
}

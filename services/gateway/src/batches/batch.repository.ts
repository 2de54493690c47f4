import type { BatchStatus } from '@genlake/contracts';
import { insertOutbox, type OutboxMessage, type Sql } from '@genlake/kit';
import { beforeTimeKey, epochMicros, type TimeKey } from '../paging/keyset.cursor';

export interface DatasetRow {
  id: string;
  name: string;
  owner_id: string;
}

export interface NewBatch {
  id: string;
  datasetId: string;
  ownerId: string;
  recordCount: number;
  options: { complexity: number };
  sourceFormat: 'json' | 'csv' | 'ndjson';
  payload: { kind: 'inline'; body: string } | { kind: 'object'; key: string };
  payloadBytes: number;
  payloadSha256: string;
  contentHash: string;
  idempotencyKey: string | null;
  correlationId: string;
}

export interface BatchRow {
  id: string;
  dataset_id: string;
  dataset: string;
  owner_id: string;
  status: BatchStatus;
  record_count: number;
  options: { complexity: number };
  source_format: string;
  payload_kind: string;
  payload_bytes: number;
  content_hash: string;
  idempotency_key: string | null;
  correlation_id: string;
  created_at: Date;
  updated_at: Date;
  processing_at: Date | null;
  correcting_at: Date | null;
  completed_at: Date | null;
}

/** A listed batch, with its exact position for the next page's cursor. */
export interface ListedBatchRow extends BatchRow {
  created_us: string;
}

export interface GenerationSummaryRow {
  id: string;
  batch_id: string;
  number: number;
  stage: 'processed' | 'corrected';
  status: string;
  partition_date: string;
  parent_generation_id: string | null;
  used_generations: number[];
  created_at: Date;
  completed_at: Date | null;
  tables: Record<string, { rows: number; files: number; bytes: number }> | null;
}

export interface ListFilter {
  ownerId?: string;
  dataset?: string;
  status?: BatchStatus;
  limit: number;
  after?: TimeKey;
}

const BATCH_COLUMNS = `b.id, b.dataset_id, d.name as dataset, b.owner_id, b.status, b.record_count, b.options,
  b.source_format, b.payload_kind, b.payload_bytes, b.content_hash, b.idempotency_key, b.correlation_id,
  b.created_at, b.updated_at, b.processing_at, b.correcting_at, b.completed_at`;

/** Batches, datasets and their generations in Postgres, as the gateway reads and writes them. */
export class BatchRepository {
  private readonly datasetCache = new Map<string, DatasetRow>();

  constructor(private readonly sql: Sql) {}

  async findOrCreateDataset(name: string, ownerId: string): Promise<DatasetRow> {
    const cached = this.datasetCache.get(name);
    if (cached) return cached;
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows = await this.sql<DatasetRow[]>`
        with created as (
          insert into datasets (name, owner_id) values (${name}, ${ownerId})
          on conflict (name) do nothing returning id, name, owner_id)
        select id, name, owner_id from created
        union all select id, name, owner_id from datasets where name = ${name}
        limit 1`;
      if (rows[0]) {
        this.datasetCache.set(name, rows[0]);
        return rows[0];
      }
    }
    throw new Error(`dataset ${name} could not be created`);
  }

  async findDataset(name: string): Promise<DatasetRow | undefined> {
    const [row] = await this.sql<DatasetRow[]>`select id, name, owner_id from datasets where name = ${name}`;
    return row;
  }

  /** The batch, its payload and its announcement, in one statement: durable together or not at all. */
  async insertAccepted(batch: NewBatch, announcement: OutboxMessage): Promise<void> {
    const sql = this.sql;
    const payloadKey = batch.payload.kind === 'object' ? batch.payload.key : null;
    const inlineInsert =
      batch.payload.kind === 'inline'
        ? sql`, payload as (insert into batch_payloads (batch_id, body) select id, ${batch.payload.body} from created)`
        : sql``;
    await sql`
      with created as (
        insert into batches (id, dataset_id, owner_id, record_count, options, source_format, payload_kind, payload_key,
                             payload_bytes, payload_sha256, content_hash, idempotency_key, correlation_id)
        values (${batch.id}, ${batch.datasetId}, ${batch.ownerId}, ${batch.recordCount}, ${sql.json(batch.options)},
                ${batch.sourceFormat}, ${batch.payload.kind}, ${payloadKey}, ${batch.payloadBytes}, ${batch.payloadSha256},
                ${batch.contentHash}, ${batch.idempotencyKey}, ${batch.correlationId})
        returning id)
      ${inlineInsert},
      announced as (${insertOutbox(sql, [announcement])})
      select id from created`;
  }

  async findByIdempotencyKey(ownerId: string, key: string): Promise<BatchRow | undefined> {
    const [row] = await this.sql<BatchRow[]>`
      select ${this.sql.unsafe(BATCH_COLUMNS)} from batches b join datasets d on d.id = b.dataset_id
      where b.owner_id = ${ownerId} and b.idempotency_key = ${key}`;
    return row;
  }

  async findById(id: string): Promise<BatchRow | undefined> {
    const [row] = await this.sql<BatchRow[]>`
      select ${this.sql.unsafe(BATCH_COLUMNS)} from batches b join datasets d on d.id = b.dataset_id where b.id = ${id}`;
    return row;
  }

  async list(filter: ListFilter): Promise<ListedBatchRow[]> {
    const sql = this.sql;
    return sql<ListedBatchRow[]>`
      select ${sql.unsafe(BATCH_COLUMNS)}, ${epochMicros(sql, 'b.created_at')} as created_us
      from batches b join datasets d on d.id = b.dataset_id
      where true
        ${filter.ownerId ? sql`and b.owner_id = ${filter.ownerId}` : sql``}
        ${filter.dataset ? sql`and d.name = ${filter.dataset}` : sql``}
        ${filter.status ? sql`and b.status = ${filter.status}` : sql``}
        ${filter.after ? sql`and ${beforeTimeKey(sql, 'b.created_at', 'b.id', filter.after)}` : sql``}
      order by b.created_at desc, b.id desc
      limit ${filter.limit}`;
  }

  async generationsOfBatches(batchIds: string[]): Promise<GenerationSummaryRow[]> {
    return this.generationQuery(this.sql`g.batch_id = any(${batchIds}::uuid[])`);
  }

  async generationsOfDataset(datasetId: string): Promise<GenerationSummaryRow[]> {
    return this.generationQuery(this.sql`g.dataset_id = ${datasetId}`);
  }

  private generationQuery(where: ReturnType<Sql>): Promise<GenerationSummaryRow[]> {
    return this.sql<GenerationSummaryRow[]>`
      select g.id, g.batch_id, g.number, g.stage, g.status, to_char(g.partition_date, 'YYYY-MM-DD') as partition_date,
             g.parent_generation_id, g.used_generations, g.created_at, g.completed_at,
             (select json_object_agg(t.table_name, json_build_object('rows', t.rows, 'files', t.files, 'bytes', t.bytes))
                from (select table_name, sum(row_count)::bigint as rows, count(*)::int as files, sum(size_bytes)::bigint as bytes
                        from generation_files f where f.generation_id = g.id group by table_name) t) as tables
      from generations g where ${where}
      order by g.number, g.stage desc`;
  }
}

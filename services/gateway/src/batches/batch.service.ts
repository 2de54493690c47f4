import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { BATCH_STATUS } from '@genlake/contracts';
import { context, isUniqueViolation, type ObjectStorage, outboxMessage } from '@genlake/kit';
import { ApiError } from '../api-error';
import type { GatewayConfig } from '../config';
import { BatchIngestor, type IngestResult } from '../ingest/batch.ingestor';
import type { AcceptedBatchWriter } from './accepted-batch.writer';
import type { BatchRepository, BatchRow, NewBatch } from './batch.repository';
import { checkBatchRequestEnvelope, DATASET_PATTERN } from './batch-request.schema';

export interface SubmitCommand {
  ownerId: string;
  format: 'json' | 'csv' | 'ndjson';
  /** Parsed JSON body for `json`, the request stream for `csv` and `ndjson`. */
  body: unknown;
  dataset?: string;
  complexity?: string | number;
  idempotencyKey?: string;
}

export interface SubmitOutcome {
  batch: { id: string; status: string };
  /** True when an earlier request with the same Idempotency-Key created the batch. */
  replayed: boolean;
}

class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.chunks.push(chunk);
    cb();
  }
}

function parseComplexity(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return 1;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 5)
    throw ApiError.badRequest('options.complexity must be an integer from 1 to 5');
  return n;
}

/** A dataset name from a client: 400 with the rule when it does not follow it. */
export function checkDataset(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw ApiError.badRequest('dataset is required');
  if (!DATASET_PATTERN.test(name)) {
    throw ApiError.badRequest(
      'dataset must be 1-63 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
    );
  }
  return name;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Accepting a batch: validate and normalize every record while the body streams in, keep the
 * normalized records (inline in Postgres, or in object storage for large batches), then write the
 * batch and its `batch.accepted` announcement in one statement. The answer is given only then.
 */
export class BatchService {
  private readonly ingestor = new BatchIngestor();

  constructor(
    private readonly batches: BatchRepository,
    private readonly writer: AcceptedBatchWriter,
    private readonly storage: ObjectStorage,
    private readonly config: GatewayConfig,
    private readonly workDir: string,
  ) {}

  async submit(cmd: SubmitCommand): Promise<SubmitOutcome> {
    if (cmd.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(cmd.idempotencyKey)) {
      throw ApiError.badRequest('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    let datasetName: unknown = cmd.dataset;
    let complexityRaw: unknown = cmd.complexity;
    let records: unknown[] | undefined;
    if (cmd.format === 'json') {
      const body = cmd.body;
      checkBatchRequestEnvelope(body);
      datasetName = body.dataset;
      complexityRaw = body.options?.complexity;
      if (body.records.length > this.config.MAX_RECORDS_PER_BATCH) {
        throw new ApiError(413, `a batch holds at most ${this.config.MAX_RECORDS_PER_BATCH} records`);
      }
      records = body.records;
    }
    const dataset = checkDataset(datasetName);
    const complexity = parseComplexity(complexityRaw);

    const batchId = randomUUID();
    let tempFile: string | undefined;
    try {
      let ingest: IngestResult;
      let inlineBody: string | undefined;
      if (records) {
        const sink = new MemorySink();
        ingest = await this.ingestor.ingestRecords(records, sink);
        if (ingest.ok) inlineBody = Buffer.concat(sink.chunks).toString('utf8');
      } else {
        tempFile = join(this.workDir, `incoming-${batchId}.ndjson`);
        const sink = createWriteStream(tempFile);
        const limits = { maxBytes: this.config.STREAM_BODY_MAX_BYTES, maxRecords: this.config.MAX_RECORDS_PER_BATCH };
        const source = cmd.body as Readable;
        ingest =
          cmd.format === 'csv'
            ? await this.ingestor.ingestCsv(source, sink, limits)
            : await this.ingestor.ingestNdjson(source, sink, limits);
        await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
        if (!ingest.ok) source.resume(); // drain what is left so the answer reaches the client
      }
      if (!ingest.ok) {
        if (ingest.kind === 'too_large') throw new ApiError(413, ingest.message);
        throw ApiError.badRequest(ingest.message, ingest.errors);
      }

      const requestHash = createHash('sha256').update(`${dataset}\n${complexity}\n${ingest.contentHash}`).digest('hex');
      if (cmd.idempotencyKey) {
        const previous = await this.batches.findByIdempotencyKey(cmd.ownerId, cmd.idempotencyKey);
        if (previous) return this.replay(previous, requestHash);
      }

      const ds = await this.batches.findOrCreateDataset(dataset, cmd.ownerId);
      if (ds.owner_id !== cmd.ownerId) throw new ApiError(409, `the dataset name "${dataset}" is taken`);

      let payload: NewBatch['payload'];
      if (ingest.bytes <= this.config.INLINE_PAYLOAD_MAX_BYTES) {
        payload = { kind: 'inline', body: inlineBody ?? (await readFile(tempFile!, 'utf8')) };
      } else {
        const key = `incoming/${dataset}/${batchId}.ndjson`;
        if (tempFile) await this.storage.putFile(key, tempFile, 'application/x-ndjson');
        else await this.storage.putBuffer(key, inlineBody ?? '', 'application/x-ndjson');
        payload = { kind: 'object', key };
      }
      const correlationId = context.correlationId();
      context.annotate({ batchId });
      const announcement = outboxMessage(
        'batch.accepted',
        {
          batchId,
          datasetId: ds.id,
          dataset,
          ownerId: cmd.ownerId,
          recordCount: ingest.recordCount,
          options: { complexity },
          payload:
            payload.kind === 'inline'
              ? { kind: 'inline' }
              : { kind: 'object', key: payload.key, bytes: ingest.bytes, sha256: ingest.sha256, format: 'ndjson' },
        },
        { correlationId },
      );
      try {
        await this.writer.write(
          {
            id: batchId,
            datasetId: ds.id,
            ownerId: cmd.ownerId,
            recordCount: ingest.recordCount,
            options: { complexity },
            sourceFormat: cmd.format,
            payload,
            payloadBytes: ingest.bytes,
            payloadSha256: ingest.sha256,
            contentHash: requestHash,
            idempotencyKey: cmd.idempotencyKey ?? null,
            correlationId,
          },
          announcement,
        );
      } catch (err) {
        if (cmd.idempotencyKey && isUniqueViolation(err)) {
          const winner = await this.batches.findByIdempotencyKey(cmd.ownerId, cmd.idempotencyKey);
          if (winner) return this.replay(winner, requestHash);
        }
        throw err;
      }
      return { batch: { id: batchId, status: BATCH_STATUS.accepted }, replayed: false };
    } finally {
      if (tempFile) await rm(tempFile, { force: true });
    }
  }

  private replay(previous: BatchRow, requestHash: string): SubmitOutcome {
    if (previous.content_hash !== requestHash) {
      throw new ApiError(
        422,
        'this Idempotency-Key was already used with a different request body; use a new key for a new batch',
      );
    }
    return { batch: { id: previous.id, status: previous.status }, replayed: true };
  }
}

import { join } from 'node:path';
import { BATCH_STATUS, type BatchAcceptedV1, hasReached, QUEUES } from '@genlake/contracts';
import { context, type Logger, type ObjectStorage, outboxMessage, PermanentError } from '@genlake/kit';
import { type LakeEngine, objectKey, runWorkload, WORKLOAD_TABLES, WorkloadInputError } from '@genlake/lake';
import type { BatchProcessingRepository, ManifestEntry } from './batch-processing.repository';
import type { PayloadRepository } from './payload.repository';

export const PROCESSOR_CONSUMER = QUEUES.processorBatchAccepted;
export const LAKE_SCHEMA_VERSION = 1;

/**
 * Turns an accepted batch into a processed generation: number it, run the reference workload in
 * DuckDB, upload the Parquet files under deterministic keys, then record the manifest and announce
 * `generation.produced` in one transaction. Every step can be repeated after a crash with the same result.
 */
export class ProcessBatch {
  constructor(
    private readonly batches: BatchProcessingRepository,
    private readonly payloads: PayloadRepository,
    private readonly storage: ObjectStorage,
    private readonly engine: LakeEngine,
    private readonly workDir: string,
    private readonly logger: Logger,
  ) {}

  async execute(message: BatchAcceptedV1, messageId: string): Promise<'processed' | 'duplicate'> {
    const { batchId } = message.data;
    context.annotate({ batchId });
    const batch = await this.batches.findBatch(batchId);
    if (!batch) throw new PermanentError(`batch ${batchId} does not exist`);
    if (hasReached(batch.status, BATCH_STATUS.correcting)) {
      await this.batches.acknowledgeOnly(PROCESSOR_CONSUMER, messageId);
      return 'duplicate';
    }
    const generation = await this.batches.startGeneration(batch);
    if (generation.status === 'complete') {
      await this.batches.acknowledgeOnly(PROCESSOR_CONSUMER, messageId);
      return 'duplicate';
    }
    const started = Date.now();
    const scratch = join(this.workDir, `process-${batch.id}-${process.pid}`);
    return this.engine.withSession(scratch, async (conn, dir) => {
      const input = await this.payloads.fetch(batch, join(dir, 'input.ndjson'));
      const written = await runWorkload(conn, {
        ndjsonPath: input,
        batchId: batch.id,
        complexity: batch.options.complexity as 1 | 2 | 3 | 4 | 5,
        outDir: join(dir, 'out'),
      }).catch((err: Error) => {
        // Input the gateway should have refused will never process: dead-letter it with the reason.
        throw err instanceof WorkloadInputError ? new PermanentError(err.message) : err;
      });
      const partition = { dataset: batch.dataset, date: generation.partitionDate, generation: generation.number };
      const files: ManifestEntry[] = [];
      for (const table of WORKLOAD_TABLES) {
        const file = written[table];
        const key = objectKey(table, partition);
        await this.storage.putFile(key, file.localFile, 'application/vnd.apache.parquet');
        files.push({ table, key, rows: file.rows, bytes: file.bytes, sha256: file.sha256 });
      }
      const tables = Object.fromEntries(files.map((f) => [f.table, { rows: f.rows, files: 1 }]));
      const announcement = outboxMessage(
        'generation.produced',
        {
          generationId: generation.id,
          batchId: batch.id,
          datasetId: batch.dataset_id,
          dataset: batch.dataset,
          number: generation.number,
          stage: 'processed',
          partitionDate: generation.partitionDate,
          schemaVersion: LAKE_SCHEMA_VERSION,
          tables,
        },
        { correlationId: message.correlationId },
      );
      const done = await this.batches.completeGeneration({
        consumer: PROCESSOR_CONSUMER,
        messageId,
        batchId: batch.id,
        generationId: generation.id,
        files,
        stats: { records: batch.record_count, millis: Date.now() - started },
        announcement,
      });
      this.logger.info(
        {
          generation: generation.number,
          dataset: batch.dataset,
          records: batch.record_count,
          ms: Date.now() - started,
        },
        done ? 'generation produced' : 'generation was already produced',
      );
      return done ? 'processed' : 'duplicate';
    });
  }
}

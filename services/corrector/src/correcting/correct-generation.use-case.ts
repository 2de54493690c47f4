import { join } from 'node:path';
import { BATCH_STATUS, type GenerationProducedV1, QUEUES } from '@genlake/contracts';
import {
  context,
  DeferError,
  type LocalObjectCache,
  type Logger,
  type ObjectStorage,
  outboxMessage,
  PermanentError,
} from '@genlake/kit';
import { type LakeEngine, objectKey, readTableSql } from '@genlake/lake';
import type { EstimateCorrector } from '../correction/estimate.corrector';
import type { CorrectionRepository, ManifestEntry } from './correction.repository';
import { writeRowsAsParquet } from './lake-table.writer';

export const CORRECTOR_CONSUMER = QUEUES.correctorGenerationProduced;

interface EstimateRow {
  estimate_id: number;
  entity: string;
  metric: string;
  value: number;
  generation: number;
}

/**
 * Corrects a processed generation against the previous generations of its dataset and writes the
 * corrected generation (same number, stage `corrected`). It waits (defers) until every previous
 * generation it should compare with is processed, so the outcome does not depend on arrival order.
 */
export class CorrectGeneration {
  constructor(
    private readonly repo: CorrectionRepository,
    private readonly corrector: EstimateCorrector,
    private readonly maxHistory: number,
    private readonly storage: ObjectStorage,
    private readonly files: LocalObjectCache,
    private readonly engine: LakeEngine,
    private readonly workDir: string,
    private readonly logger: Logger,
  ) {}

  async execute(message: GenerationProducedV1, messageId: string): Promise<'corrected' | 'duplicate'> {
    const processed = await this.repo.findProcessed(message.data.generationId);
    if (!processed) throw new PermanentError(`generation ${message.data.generationId} does not exist`);
    context.annotate({ batchId: processed.batch_id });
    if (processed.status !== 'complete') throw new PermanentError(`generation ${processed.id} is not complete`);
    if (processed.batch_status === BATCH_STATUS.completed) {
      await this.repo.acknowledgeOnly(CORRECTOR_CONSUMER, messageId);
      return 'duplicate';
    }
    const from = Math.max(1, processed.number - this.maxHistory);
    const history = await this.repo.processedGenerations(processed.dataset_id, from, processed.number - 1);
    const missing: number[] = [];
    for (let n = from; n < processed.number; n++) {
      if (!history.some((h) => h.number === n && h.status === 'complete')) missing.push(n);
    }
    if (missing.length) {
      throw new DeferError(
        `waiting for generation(s) ${missing.join(', ')} of ${processed.dataset} to be processed`,
        5_000,
      );
    }
    const corrected = await this.repo.startCorrected(processed);
    if (corrected.status === 'complete') {
      await this.repo.acknowledgeOnly(CORRECTOR_CONSUMER, messageId);
      return 'duplicate';
    }

    const started = Date.now();
    const scratch = join(this.workDir, `correct-${processed.id}-${process.pid}`);
    return this.engine.withSession(scratch, async (conn, dir) => {
      const local = (list: Array<{ key: string; size: number }>) =>
        Promise.all(list.map((f) => this.files.localPath(f.key, Number(f.size))));
      const currentFiles = await local(await this.repo.files(processed.id, 'estimates'));
      const historyFiles = await local(history.flatMap((h) => h.files));
      const read = async (files: string[]) =>
        (
          await conn.runAndReadAll(
            `SELECT estimate_id, entity, metric, value, generation FROM (${readTableSql('estimates', files)})`,
          )
        ).getRowObjectsJson() as unknown as EstimateRow[];
      const current = await read(currentFiles);
      const previous = historyFiles.length ? await read(historyFiles) : [];
      const result = this.corrector.correct(
        current.map((r) => ({
          estimateId: Number(r.estimate_id),
          entity: r.entity,
          metric: r.metric,
          value: Number(r.value),
        })),
        previous.map((r) => ({
          generation: Number(r.generation),
          entity: r.entity,
          metric: r.metric,
          value: Number(r.value),
        })),
      );

      const partition = { dataset: processed.dataset, date: processed.partition_date, generation: processed.number };
      const estimateOf = new Map(result.corrected.map((e) => [e.correctionId, e.estimateId]));
      const outputs: Array<[string, Array<Record<string, unknown>>]> = [
        [
          'corrections',
          result.corrections.map((c) => ({
            correction_id: c.correctionId,
            estimate_id: estimateOf.get(c.correctionId),
            entity: c.entity,
            metric: c.metric,
            original_value: c.originalValue,
            corrected_value: c.correctedValue,
            method: c.method,
            reason: c.reason,
            score: c.score,
            median: c.median,
            mad: c.mad,
            history_count: c.historyCount,
            generations_used: c.generationsUsed,
          })),
        ],
        [
          'corrected_estimates',
          result.corrected.map((e) => ({
            estimate_id: e.estimateId,
            entity: e.entity,
            metric: e.metric,
            value: e.value,
            original_value: e.originalValue,
            corrected: e.corrected,
            correction_id: e.correctionId,
          })),
        ],
      ];
      const manifest: ManifestEntry[] = [];
      for (const [table, rows] of outputs) {
        const file = join(dir, `${table}.parquet`);
        const written = await writeRowsAsParquet(conn, table, rows, join(dir, `${table}.ndjson`), file);
        const key = objectKey(table, partition);
        await this.storage.putFile(key, file, 'application/vnd.apache.parquet');
        manifest.push({ table, key, rows: written.rows, bytes: written.bytes, sha256: written.sha256 });
      }
      const usedGenerations = [...new Set(history.map((h) => h.number))].sort((a, b) => a - b);
      const completedAt = new Date().toISOString();
      const announcement = outboxMessage(
        'batch.completed',
        {
          batchId: processed.batch_id,
          datasetId: processed.dataset_id,
          dataset: processed.dataset,
          ownerId: processed.owner_id,
          number: processed.number,
          processedGenerationId: processed.id,
          correctedGenerationId: corrected.id,
          recordCount: processed.record_count,
          corrections: result.corrections.length,
          completedAt,
        },
        { correlationId: message.correlationId },
      );
      const done = await this.repo.complete({
        consumer: CORRECTOR_CONSUMER,
        messageId,
        batchId: processed.batch_id,
        generationId: corrected.id,
        usedGenerations,
        files: manifest,
        stats: { estimates: current.length, corrections: result.corrections.length, millis: Date.now() - started },
        announcement,
      });
      this.logger.info(
        { generation: processed.number, dataset: processed.dataset, corrections: result.corrections.length },
        done ? 'generation corrected' : 'generation was already corrected',
      );
      return done ? 'corrected' : 'duplicate';
    });
  }
}

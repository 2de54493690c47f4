import type { BatchRow, GenerationSummaryRow } from './batch.repository';

export function presentGeneration(g: GenerationSummaryRow) {
  return {
    id: g.id,
    batchId: g.batch_id,
    number: g.number,
    stage: g.stage,
    status: g.status,
    partitionDate: g.partition_date,
    parentGenerationId: g.parent_generation_id,
    usedGenerations: g.stage === 'corrected' ? g.used_generations : undefined,
    tables: g.tables ?? {},
    createdAt: g.created_at.toISOString(),
    completedAt: g.completed_at?.toISOString() ?? null,
  };
}

/** The public shape of a batch: what the web app and the OpenAPI document show. */
export function presentBatch(b: BatchRow, generations: GenerationSummaryRow[] = []) {
  return {
    id: b.id,
    dataset: b.dataset,
    ownerId: b.owner_id,
    status: b.status,
    recordCount: b.record_count,
    options: b.options,
    sourceFormat: b.source_format,
    createdAt: b.created_at.toISOString(),
    updatedAt: b.updated_at.toISOString(),
    processingAt: b.processing_at?.toISOString() ?? null,
    correctingAt: b.correcting_at?.toISOString() ?? null,
    completedAt: b.completed_at?.toISOString() ?? null,
    generations: generations.map(presentGeneration),
    links: {
      self: `/api/batches/${b.id}`,
      events: `/api/batches/${b.id}/events`,
      result: `/api/batches/${b.id}/result`,
    },
  };
}

export type BatchView = ReturnType<typeof presentBatch>;

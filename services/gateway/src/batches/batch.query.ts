import { BATCH_STATUSES, isBatchStatus } from '@genlake/contracts';
import { ApiError } from '../api-error';
import { decodeTimeKey, encodeTimeKey } from '../paging/keyset.cursor';
import { presentBatch } from './batch.presenter';
import type { BatchRepository } from './batch.repository';
import { checkDataset } from './batch.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(id: string, what: string): string {
  if (!UUID.test(id)) throw ApiError.badRequest(`${what} must be a UUID`);
  return id.toLowerCase();
}

export interface ListQuery {
  dataset?: string;
  status?: string;
  limit?: string;
  cursor?: string;
}

/** Reading batches: one batch with its generations, and keyset-paged lists. */
export class BatchQuery {
  constructor(private readonly batches: BatchRepository) {}

  async get(id: string, ownerId?: string) {
    const batch = await this.batches.findById(checkUuid(id, 'batch id'));
    if (!batch || (ownerId && batch.owner_id !== ownerId)) throw ApiError.notFound(`no batch ${id}`);
    const generations = await this.batches.generationsOfBatches([batch.id]);
    return presentBatch(batch, generations);
  }

  async list(query: ListQuery, ownerId?: string) {
    const unknown = Object.keys(query).filter((k) => !['dataset', 'status', 'limit', 'cursor'].includes(k));
    if (unknown.length) throw ApiError.badRequest(`unknown query parameter(s): ${unknown.join(', ')}`);
    if (query.dataset !== undefined) checkDataset(query.dataset);
    if (query.status !== undefined && !isBatchStatus(query.status)) {
      throw ApiError.badRequest(`status must be one of ${BATCH_STATUSES.join(', ')}`);
    }
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw ApiError.badRequest('limit must be an integer from 1 to 500');
    const rows = await this.batches.list({
      ownerId,
      dataset: query.dataset,
      status: query.status,
      limit: limit + 1,
      after: query.cursor ? decodeTimeKey(query.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const generations = page.length ? await this.batches.generationsOfBatches(page.map((b) => b.id)) : [];
    const last = page[page.length - 1];
    return {
      items: page.map((b) =>
        presentBatch(
          b,
          generations.filter((g) => g.batch_id === b.id),
        ),
      ),
      nextCursor: rows.length > limit && last ? encodeTimeKey({ micros: last.created_us, id: last.id }) : null,
    };
  }
}

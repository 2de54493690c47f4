import { ApiError } from '../api-error';
import type { BatchService, SubmitOutcome } from '../batches/batch.service';
import type { UploadStore } from './upload.store';

export interface SubmitUploadCommand {
  ownerId: string;
  upload: unknown;
  dataset: unknown;
  complexity: unknown;
  idempotencyKey?: string;
}

/**
 * A finished resumable upload submitted as a batch: its bytes stream from the object storage through the same
 * ingest as a CSV / NDJSON request body, so validation (line-numbered 400s), limits and idempotency are the same.
 * The upload stays until it expires, so that a retried submission with the same Idempotency-Key is a replay.
 */
export class UploadBatchService {
  constructor(
    private readonly uploads: UploadStore,
    private readonly batches: BatchService,
  ) {}

  async submit(cmd: SubmitUploadCommand): Promise<SubmitOutcome> {
    const upload = await this.uploads.find(cmd.upload);
    if (!upload || upload.ownerId !== cmd.ownerId) {
      throw ApiError.notFound(`no upload ${String(cmd.upload).slice(0, 64)}`);
    }
    if (upload.size === undefined || upload.offset < upload.size) {
      throw new ApiError(
        409,
        `upload ${upload.id} is not complete (${upload.offset} of ${upload.size ?? 'unknown'} bytes); finish it first`,
      );
    }
    const format = upload.filetype === 'text/csv' ? 'csv' : 'ndjson';
    const body = await this.uploads.read(upload.id);
    try {
      return await this.batches.submit({
        ownerId: cmd.ownerId,
        format,
        body,
        dataset: cmd.dataset as string | undefined,
        complexity: cmd.complexity as number | undefined,
        idempotencyKey: cmd.idempotencyKey,
      });
    } finally {
      body.destroy();
    }
  }
}

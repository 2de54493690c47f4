import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { ObjectStorage } from '@genlake/kit';
import { PermanentError } from '@genlake/kit';
import type { BatchProcessingRepository, BatchToProcess } from './batch-processing.repository';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Brings a batch's normalized records to a local NDJSON file, from Postgres or from the claim-checked object. */
export class PayloadRepository {
  constructor(
    private readonly batches: BatchProcessingRepository,
    private readonly storage: ObjectStorage,
  ) {}

  async fetch(batch: BatchToProcess, localFile: string): Promise<string> {
    if (batch.payload_kind === 'inline') {
      const body = await this.batches.inlinePayload(batch.id);
      if (body === undefined) throw new PermanentError(`batch ${batch.id} has no inline payload`);
      await writeFile(localFile, body);
      return localFile;
    }
    const key = batch.payload_key!;
    const direct = this.storage.localPath(key);
    const path = direct ?? localFile;
    if (!direct) await this.storage.download(key, localFile);
    const digest = await sha256File(path);
    if (digest !== batch.payload_sha256) {
      // A partial or altered object: retrying may help if a replica was behind; the limit stops it otherwise.
      throw new Error(`payload ${key} has checksum ${digest}, expected ${batch.payload_sha256}`);
    }
    return path;
  }
}

import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type ObjectStorage, S3_CHECKSUM_SETTINGS } from '@genlake/kit';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore, Upload } from '@tus/utils';

/** The folder of the object storage that resumable uploads are written to, next to the claim-check payloads. */
export const UPLOADS_PREFIX = 'uploads';

export interface UploadStoreSettings {
  /** STORAGE_URL: a directory or `s3://bucket/prefix`. */
  storageUrl: string;
  s3: { region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string };
  expiryHours: number;
}

/** A finished or unfinished upload as the gateway sees it. */
export interface UploadInfo {
  id: string;
  ownerId: string | undefined;
  size: number | undefined;
  offset: number;
  filetype: string | undefined;
  filename: string | undefined;
}

/**
 * The tus data store over the gateway's object storage: a directory of it (`@tus/file-store`) or the same bucket
 * (`@tus/s3-store`, keys under the storage prefix). Upload ids in URLs are 32 hex characters; the store's ids
 * carry the key prefix.
 */
export class UploadStore {
  readonly datastore: DataStore;
  private readonly keyPrefix: string;

  constructor(storage: ObjectStorage, settings: UploadStoreSettings) {
    const expirationPeriodInMilliseconds = settings.expiryHours * 3_600_000;
    if (storage.localRoot) {
      this.keyPrefix = '';
      this.datastore = new FileStore({
        directory: join(storage.localRoot, UPLOADS_PREFIX),
        expirationPeriodInMilliseconds,
      });
    } else {
      const rest = settings.storageUrl.replace(/^s3:\/\//, '');
      const slash = rest.indexOf('/');
      const bucket = slash === -1 ? rest : rest.slice(0, slash);
      const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
      this.keyPrefix = `${prefix ? `${prefix}/` : ''}${UPLOADS_PREFIX}/`;
      this.datastore = new S3Store({
        expirationPeriodInMilliseconds,
        s3ClientConfig: {
          bucket,
          region: settings.s3.region,
          endpoint: settings.s3.endpoint,
          forcePathStyle: Boolean(settings.s3.endpoint),
          credentials:
            settings.s3.accessKeyId && settings.s3.secretAccessKey
              ? { accessKeyId: settings.s3.accessKeyId, secretAccessKey: settings.s3.secretAccessKey }
              : undefined,
          ...S3_CHECKSUM_SETTINGS,
        },
      });
    }
  }

  /** The store's id of an upload id from a URL or a request body; undefined when it is not one of ours. */
  storeId(uploadId: unknown): string | undefined {
    return typeof uploadId === 'string' && /^[0-9a-f]{32}$/.test(uploadId) ? `${this.keyPrefix}${uploadId}` : undefined;
  }

  /** The upload id (for URLs) of a store id. */
  uploadId(storeId: string): string {
    return storeId.slice(this.keyPrefix.length);
  }

  /** The upload, or undefined when there is none of that id. */
  async find(uploadId: unknown): Promise<UploadInfo | undefined> {
    const id = this.storeId(uploadId);
    if (!id) return undefined;
    let upload: Upload;
    try {
      upload = await this.datastore.getUpload(id);
    } catch (err) {
      // Only "there is no such upload" is an answer; an unreachable store is an outage (503), not a 404.
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return {
      id: uploadId as string,
      ownerId: upload.metadata?.owner ?? undefined,
      size: upload.size,
      offset: upload.offset,
      filetype: upload.metadata?.filetype ?? undefined,
      filename: upload.metadata?.filename ?? undefined,
    };
  }

  /** The bytes of a complete upload. */
  async read(uploadId: string): Promise<Readable> {
    const store = this.datastore as DataStore & { read(id: string): Readable | Promise<Readable> };
    return store.read(this.storeId(uploadId)!);
  }

  async deleteExpired(): Promise<number> {
    return this.datastore.deleteExpired();
  }
}

/** The stores' ways of saying that an upload does not exist (tus' FILE_NOT_FOUND, S3's NoSuchKey, a missing file). */
function isNotFound(err: unknown): boolean {
  const e = err as { status_code?: number; name?: string; Code?: string; code?: string } | undefined;
  return e?.status_code === 404 || e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || e?.code === 'ENOENT';
}

import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
}

/**
 * Object storage addressed by keys relative to the configured root
 * (`s3://bucket/prefix` or a local directory). Keys use `/` separators.
 */
export interface ObjectStorage {
  /** A human-readable location of the root, e.g. `s3://genlake/dev` or `/var/lib/genlake`. */
  readonly url: string;
  /** Local directory holding the objects when the storage is a directory, otherwise undefined. */
  readonly localRoot: string | undefined;
  putFile(key: string, localPath: string, contentType?: string): Promise<void>;
  putStream(key: string, body: Readable, contentType?: string): Promise<void>;
  putBuffer(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  getStream(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  /** Copies the object to a local file (a no-op copy for local storage is avoided by `localPath`). */
  download(key: string, localPath: string): Promise<void>;
  /** The local filesystem path of an object when the storage is a directory. */
  localPath(key: string): string | undefined;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
  /** Confirms the storage can be reached (bucket exists / directory writable). */
  check(): Promise<void>;
}

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalDirStorage } from './local-dir.storage';
import type { ObjectStorage } from './object-storage';
import { S3Storage } from './s3.storage';

export { LocalDirStorage } from './local-dir.storage';
export * from './object-storage';
export { S3_CHECKSUM_SETTINGS, S3Storage } from './s3.storage';

export interface S3Settings {
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

/**
 * Opens storage from a URL: `s3://bucket/prefix`, `file:///abs/dir`, or a plain directory path
 * (relative paths resolve against the working directory).
 */
export function openStorage(url: string, s3: S3Settings = { region: 'us-east-1' }): ObjectStorage {
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (!bucket) throw new Error(`storage URL has no bucket: ${url}`);
    return new S3Storage({ bucket, prefix, ...s3 });
  }
  if (url.startsWith('file://')) return new LocalDirStorage(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`unsupported storage URL scheme: ${url}`);
  return new LocalDirStorage(isAbsolute(url) ? url : resolve(url));
}
export { LocalObjectCache } from './local-object.cache';

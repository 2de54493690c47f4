import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStorage } from './object-storage';

/**
 * Local paths for objects: the file itself when the storage is a directory, otherwise a copy in a
 * cache directory (lake objects never change, so a cached file of the right size is current).
 * The cache holds at most `maxBytes`; the least recently used files go first. It starts empty
 * (what a previous process left is removed), so its accounting is exact.
 */
export class LocalObjectCache {
  private readonly inflight = new Map<string, Promise<string>>();
  /** Cached keys with their sizes, least recently used first (a Map keeps insertion order). */
  private readonly entries = new Map<string, number>();
  private bytes = 0;
  private cleared: Promise<void> | undefined;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly cacheDir: string,
    private readonly maxBytes = 2 * 1024 ** 3,
  ) {}

  /** Bytes the cache holds now. */
  get size(): number {
    return this.bytes;
  }

  async localPath(key: string, size: number): Promise<string> {
    const direct = this.storage.localPath(key);
    if (direct) return direct;
    this.cleared ??= rm(this.cacheDir, { recursive: true, force: true });
    await this.cleared;
    const target = join(this.cacheDir, key);
    if (this.entries.get(key) === size) {
      this.entries.delete(key);
      this.entries.set(key, size);
      return target;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = (async () => {
        await mkdir(dirname(target), { recursive: true });
        const tmp = `${target}.${process.pid}.part`;
        await this.storage.download(key, tmp);
        await rename(tmp, target);
        const actual = (await stat(target)).size;
        this.bytes += actual - (this.entries.get(key) ?? 0);
        this.entries.delete(key);
        this.entries.set(key, actual);
        await this.evict(key);
        return target;
      })().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Removes least recently used files until the cache fits, never the one just added. */
  private async evict(keep: string): Promise<void> {
    for (const [key, size] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (key === keep || this.inflight.has(key)) continue;
      this.entries.delete(key);
      this.bytes -= size;
      // A reader that has the file open keeps reading it: unlinking does not cut it off.
      await rm(join(this.cacheDir, key), { force: true });
    }
  }
}

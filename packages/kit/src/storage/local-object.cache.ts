import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStorage } from './object-storage';

/**
 * Local paths for objects: the file itself when the lake is a directory, otherwise a copy in a
 * cache directory (objects of a generation never change, so a cached file of the right size is current).
 */
export class LocalObjectCache {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly cacheDir: string,
  ) {}

  async localPath(key: string, size: number): Promise<string> {
    const direct = this.storage.localPath(key);
    if (direct) return direct;
    const target = join(this.cacheDir, key);
    try {
      if ((await stat(target)).size === size) return target;
    } catch {
      // not cached yet
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = (async () => {
        await mkdir(dirname(target), { recursive: true });
        const tmp = `${target}.${process.pid}.part`;
        await this.storage.download(key, tmp);
        await rename(tmp, target);
        return target;
      })().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}

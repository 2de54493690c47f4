import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage, StoredObject } from './object-storage';

/** Objects as files below a directory; writes go to a temporary name and are renamed into place. */
export class LocalDirStorage implements ObjectStorage {
  readonly localRoot: string;
  readonly url: string;

  constructor(root: string) {
    this.localRoot = resolve(root);
    this.url = this.localRoot;
  }

  localPath(key: string): string {
    const full = resolve(this.localRoot, key);
    if (full !== this.localRoot && !full.startsWith(this.localRoot + sep)) {
      throw new Error(`object key escapes the storage root: ${key}`);
    }
    return full;
  }

  private async atomicWrite(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.localPath(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  putFile(key: string, localPath: string): Promise<void> {
    return this.atomicWrite(key, (tmp) => copyFile(localPath, tmp));
  }

  putStream(key: string, body: Readable): Promise<void> {
    return this.atomicWrite(key, (tmp) => pipeline(body, createWriteStream(tmp)));
  }

  putBuffer(key: string, body: Buffer | string): Promise<void> {
    return this.atomicWrite(key, (tmp) => writeFile(tmp, body));
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.localPath(key);
    await access(path);
    return createReadStream(path);
  }

  getBuffer(key: string): Promise<Buffer> {
    return readFile(this.localPath(key));
  }

  async download(key: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await copyFile(this.localPath(key), localPath);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.localPath(key));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
          const key = relative(this.localRoot, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push({ key, size: (await stat(full)).size });
        }
      }
    };
    // Walk only the deepest directory that the prefix names fully.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(this.localPath(dirPart));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }

  async check(): Promise<void> {
    await mkdir(this.localRoot, { recursive: true });
    await access(this.localRoot);
  }
}

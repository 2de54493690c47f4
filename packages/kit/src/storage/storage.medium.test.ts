import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setupTestServices, type TestServices } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ObjectStorage, openStorage } from './index';
import { LocalObjectCache } from './local-object.cache';

describe.each(['s3', 'directory'] as const)('object storage: %s', (kind) => {
  let services: TestServices;
  let storage: ObjectStorage;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'genlake-storage-'));
    if (kind === 's3') {
      services = await setupTestServices('storage');
      storage = openStorage(services.storageUrl, {
        region: services.s3.region,
        endpoint: services.s3.endpoint,
        accessKeyId: services.s3.accessKeyId,
        secretAccessKey: services.s3.secretAccessKey,
      });
    } else {
      storage = openStorage(join(dir, 'root'));
    }
    await storage.check();
  });

  afterAll(async () => {
    await services?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, reads, lists (paged past 1,000 keys) and deletes objects', async () => {
    await storage.putBuffer('a/one.txt', 'one');
    await storage.putStream('a/two.txt', Readable.from([Buffer.from('t'), Buffer.from('wo')]));
    const file = join(dir, 'three.bin');
    await writeFile(file, Buffer.alloc(9 * 1024 * 1024, 7)); // larger than one multipart part
    await storage.putFile('a/b/three.bin', file);
    expect((await storage.getBuffer('a/one.txt')).toString()).toBe('one');
    expect((await storage.getBuffer('a/two.txt')).toString()).toBe('two');
    expect((await storage.list('a/')).map((o) => [o.key, o.size])).toEqual([
      ['a/b/three.bin', 9 * 1024 * 1024],
      ['a/one.txt', 3],
      ['a/two.txt', 3],
    ]);
    expect(await storage.exists('a/one.txt')).toBe(true);
    await storage.delete('a/one.txt');
    expect(await storage.exists('a/one.txt')).toBe(false);

    await Promise.all(
      Array.from({ length: 1100 }, (_, i) => storage.putBuffer(`many/${String(i).padStart(4, '0')}`, 'x')),
    );
    expect((await storage.list('many/')).length).toBe(1100);
  });

  it('refuses keys that climb out of the root', async () => {
    await expect(storage.putBuffer('../escape', 'x')).rejects.toThrow(/escapes/);
  });

  it('caches remote objects locally and serves local ones in place', async () => {
    await storage.putBuffer('c/x.txt', 'cached');
    const cache = new LocalObjectCache(storage, join(dir, 'cache'));
    const [p1, p2] = await Promise.all([cache.localPath('c/x.txt', 6), cache.localPath('c/x.txt', 6)]);
    expect(p1).toBe(p2);
    expect(await readFile(p1, 'utf8')).toBe('cached');
    if (kind === 'directory') expect(p1).toBe(storage.localPath('c/x.txt'));
    else expect(p1.startsWith(join(dir, 'cache'))).toBe(true);
  });

  // Local storage is read in place, so only remote storage has a cache to bound.
  it.skipIf(kind === 'directory')(
    'keeps the cache under its size limit, dropping the least recently used files',
    async () => {
      const cache = new LocalObjectCache(storage, join(dir, 'lru'), 25);
      for (const k of ['a', 'b', 'c']) await storage.putBuffer(`lru/${k}`, '0123456789');
      const a = await cache.localPath('lru/a', 10);
      await cache.localPath('lru/b', 10);
      await cache.localPath('lru/a', 10); // a is now the most recently used
      await cache.localPath('lru/c', 10); // 30 bytes > 25: b goes
      expect(cache.size).toBe(20);
      expect(await readFile(a, 'utf8')).toBe('0123456789');
      await expect(readFile(join(dir, 'lru', 'lru/b'))).rejects.toThrow();
      expect(await readFile(await cache.localPath('lru/b', 10), 'utf8')).toBe('0123456789');
    },
  );
});

import { describe, expect, it } from 'vitest';
import type { RecordsItem } from './outbox.model';
import { OutboxRepository } from './outbox.repository';

function item(id: string, createdAt: number): RecordsItem {
  return {
    id,
    kind: 'records',
    idempotencyKey: `key-${id}`,
    dataset: 'demo',
    complexity: 2,
    state: 'waiting',
    createdAt,
    attempts: 0,
    nextAttemptAt: createdAt,
    toldToWait: false,
    records: [{ entity: 'a', ts: '2026-11-01T00:00:00Z', metric: 't', value: 1.5 }],
  };
}

describe('OutboxRepository', () => {
  it('keeps items in IndexedDB (database genlake, store outbox), oldest first', async () => {
    const repo = new OutboxRepository();
    await repo.put(item('b', 2));
    await repo.put(item('a', 1));
    expect((await repo.list()).map((i) => i.id)).toEqual(['a', 'b']);

    const raw = await new Promise<unknown[]>((resolve, reject) => {
      const open = indexedDB.open('genlake');
      open.onsuccess = () => {
        const req = open.result.transaction('outbox').objectStore('outbox').getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      };
    });
    expect(raw).toHaveLength(2);
  });

  it('survives a reload: a new repository on the same database sees the items and their keys', async () => {
    const first = new OutboxRepository();
    await first.put(item('a', 1));
    await first.close();
    const second = new OutboxRepository();
    expect(await second.get('a')).toMatchObject({ idempotencyKey: 'key-a', records: [{ entity: 'a' }] });
  });

  it('updates one item in a transaction and tells subscribers', async () => {
    const repo = new OutboxRepository();
    await repo.put(item('a', 1));
    let changes = 0;
    repo.subscribe(() => changes++);
    const next = await repo.update('a', (i) => ({ ...i, state: 'sent', batchId: 'b-1' }));
    expect(next).toMatchObject({ state: 'sent', batchId: 'b-1', idempotencyKey: 'key-a' });
    expect(await repo.update('missing', (i) => i)).toBeUndefined();
    await repo.remove('a');
    expect(await repo.list()).toEqual([]);
    expect(changes).toBe(2);
  });

  it('stores a file with its name, so a reload can resume the upload', async () => {
    const repo = new OutboxRepository();
    const file = new File(['entity,ts,metric,value\n'], 'data.csv', { type: 'text/csv' });
    await repo.put({
      ...item('f', 1),
      kind: 'file',
      file,
      fileName: file.name,
      fileType: file.type,
      bytesSent: 0,
      bytesTotal: file.size,
      uploaded: false,
    } as never);
    const stored = await repo.get('f');
    expect(stored?.kind === 'file' && stored.fileName).toBe('data.csv');
    expect(stored?.kind === 'file' && (await stored.file.text())).toBe('entity,ts,metric,value\n');
  });
});

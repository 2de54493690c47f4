/**
 * The outbox in IndexedDB (database `genlake`, store `outbox`): a submission is written here before anything is
 * sent, so it survives a reload, a crash or a closed browser.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { OutboxItem } from './outbox.model';

interface GenlakeDb extends DBSchema {
  outbox: { key: string; value: OutboxItem; indexes: { createdAt: number } };
}

export const DB_NAME = 'genlake';
const DB_VERSION = 1;

export class OutboxRepository {
  private db?: Promise<IDBPDatabase<GenlakeDb>>;
  private readonly listeners = new Set<() => void>();

  private open(): Promise<IDBPDatabase<GenlakeDb>> {
    this.db ??= openDB<GenlakeDb>(DB_NAME, DB_VERSION, {
      upgrade(db) {
        const store = db.createObjectStore('outbox', { keyPath: 'id' });
        store.createIndex('createdAt', 'createdAt');
      },
    });
    return this.db;
  }

  /** Oldest first. */
  async list(): Promise<OutboxItem[]> {
    return (await this.open()).getAllFromIndex('outbox', 'createdAt');
  }

  async get(id: string): Promise<OutboxItem | undefined> {
    return (await this.open()).get('outbox', id);
  }

  async put(item: OutboxItem): Promise<void> {
    await (await this.open()).put('outbox', item);
    this.changed();
  }

  /** Reads, changes and writes one item in one transaction; undefined when it is gone. */
  async update(id: string, change: (item: OutboxItem) => OutboxItem): Promise<OutboxItem | undefined> {
    const tx = (await this.open()).transaction('outbox', 'readwrite');
    const current = await tx.store.get(id);
    if (!current) {
      await tx.done;
      return undefined;
    }
    const next = change(current);
    await tx.store.put(next);
    await tx.done;
    this.changed();
    return next;
  }

  async remove(id: string): Promise<void> {
    await (await this.open()).delete('outbox', id);
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.db) (await this.db).close();
    this.db = undefined;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

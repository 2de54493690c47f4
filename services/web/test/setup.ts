import 'fake-indexeddb/auto';
import { cleanup } from '@testing-library/preact';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach } from 'vitest';

beforeEach(() => {
  // A fresh IndexedDB per test: no outbox leaks from one test into the next.
  globalThis.indexedDB = new IDBFactory();
});
afterEach(() => cleanup());

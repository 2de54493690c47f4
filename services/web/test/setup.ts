import 'fake-indexeddb/auto';
import { Blob as NodeBlob, File as NodeFile } from 'node:buffer';
import { cleanup } from '@testing-library/preact';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach } from 'vitest';

// Browsers keep Blobs and Files in IndexedDB; fake-indexeddb clones with Node's structuredClone, which knows Node's
// Blob and File but not happy-dom's, so the tests use Node's.
Object.assign(globalThis, { Blob: NodeBlob, File: NodeFile });

beforeEach(() => {
  // A fresh IndexedDB per test: no outbox leaks from one test into the next.
  globalThis.indexedDB = new IDBFactory();
});
afterEach(() => cleanup());

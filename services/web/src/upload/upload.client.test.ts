import type * as tus from 'tus-js-client';
import { describe, expect, it } from 'vitest';
import type { FileItem } from '../outbox/outbox.model';
import { OutboxRepository } from '../outbox/outbox.repository';
import { OutboxSender, type OutboxTransport } from '../outbox/outbox.sender';
import {
  attemptOf,
  CHUNK_SIZE,
  formatDuration,
  progressReport,
  type TusFactory,
  type TusUpload,
  UploadClient,
  uploadIdFromUrl,
} from './upload.client';

const UPLOAD_URL = 'http://localhost/api/uploads/0123456789abcdef0123456789abcdef';
const MB = 1024 * 1024;

function fileItem(size: number): FileItem {
  return {
    id: 'f1',
    kind: 'file',
    idempotencyKey: 'key-f1',
    dataset: 'demo',
    complexity: 1,
    state: 'waiting',
    createdAt: 0,
    attempts: 0,
    nextAttemptAt: 0,
    toldToWait: false,
    file: new Blob([new Uint8Array(size)]),
    fileName: 'data.csv',
    fileType: 'text/csv',
    bytesSent: 0,
    bytesTotal: size,
    uploaded: false,
  };
}

/**
 * A stand-in for tus.Upload that acts like a tus server with a connection that breaks: it starts at the offset the
 * "server" has for the URL it is given, sends parts of chunkSize, and the connection drops at `cutAt` bytes.
 */
class FakeServer {
  offsets = new Map<string, number>();
  runs: tus.UploadOptions[] = [];
  cutAt?: number;
  factory: TusFactory = (file, options) => {
    this.runs.push(options);
    const server = this;
    const upload: TusUpload = {
      url: options.uploadUrl ?? null,
      async findPreviousUploads() {
        return [];
      },
      resumeFromPreviousUpload() {},
      async abort() {},
      start() {
        if (!upload.url) {
          upload.url = UPLOAD_URL;
          server.offsets.set(UPLOAD_URL, 0);
          options.onUploadUrlAvailable?.();
        }
        let offset = server.offsets.get(upload.url) ?? 0;
        const size = (file as Blob).size;
        while (offset < size) {
          const next = Math.min(size, offset + options.chunkSize!);
          if (server.cutAt !== undefined && next > server.cutAt) {
            server.cutAt = undefined;
            options.onError?.(new Error('network down'));
            return;
          }
          offset = next;
          server.offsets.set(upload.url, offset);
          options.onProgress?.(offset, size);
          options.onChunkComplete?.(options.chunkSize!, offset, size);
        }
        options.onSuccess?.({ lastResponse: {} as tus.HttpResponse });
      },
    };
    return upload;
  };
}

describe('upload bookkeeping', () => {
  it('names the upload by the last part of its URL', () => {
    expect(uploadIdFromUrl(UPLOAD_URL)).toBe('0123456789abcdef0123456789abcdef');
    expect(uploadIdFromUrl('/api/uploads/0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(() => uploadIdFromUrl('/api/uploads/')).toThrow();
  });

  it('an offset conflict is resumed from the server, a gone upload restarts, a refusal is the input', () => {
    const failed = (status: number, body = '') =>
      Object.assign(new Error(`status ${status}`), {
        originalResponse: {
          getStatus: () => status,
          getBody: () => body,
          getHeader: (name: string) => (name === 'Retry-After' && status === 503 ? '7' : undefined),
        },
      }) as unknown as tus.DetailedError;
    expect(attemptOf(failed(409, 'Upload-Offset conflict'))).toEqual({ kind: 'network' });
    expect(attemptOf(failed(404))).toEqual({ kind: 'gone' });
    expect(attemptOf(failed(410))).toEqual({ kind: 'gone' });
    expect(attemptOf(failed(503))).toMatchObject({ kind: 'http', status: 503, retryAfter: '7' });
    expect(attemptOf(failed(413, '{"message":"too large"}'))).toEqual({
      kind: 'http',
      status: 413,
      retryAfter: null,
      body: { message: 'too large' },
    });
    expect(attemptOf(new Error('socket hang up'))).toEqual({ kind: 'network' });
  });

  it('reports percent, speed and time left of this run', () => {
    const r = progressReport({ bytesSent: 60 * MB, bytesTotal: 100 * MB }, { startedAt: 0, startBytes: 50 * MB }, 2000);
    expect(r.percent).toBe(60);
    expect(r.bytesPerSecond).toBe(5 * MB);
    expect(r.secondsLeft).toBe(8);
    expect(formatDuration(r.secondsLeft)).toBe('8 s');
    expect(formatDuration(undefined)).toBe('–');
  });

  it('a cut upload resumes at its URL from where the server has it, after a reload too, and is submitted once', async () => {
    const server = new FakeServer();
    server.cutAt = 12 * MB; // parts of 5 MiB: the third part breaks
    const repo = new OutboxRepository();
    const submitted: string[] = [];
    const makeTransport = (): OutboxTransport => {
      const client = new UploadClient('http://localhost/api/uploads', async () => 'token', server.factory);
      return {
        submitRecords: async () => ({ kind: 'network' }),
        upload: (item, events) => client.upload(item, events),
        submitUpload: async (item) => {
          submitted.push(`${item.idempotencyKey} ${uploadIdFromUrl(item.uploadUrl!)}`);
          return { kind: 'http', status: 202, retryAfter: null, body: { id: 'batch-1' } };
        },
        probe: async () => false,
        renewSession: async () => true,
      };
    };
    const noTimers = { setTimeout: () => 0, clearTimeout: () => {} };

    const first = new OutboxSender(repo, makeTransport(), noTimers);
    await first.start();
    await first.enqueue(fileItem(20 * MB));
    await new Promise((r) => setTimeout(r, 20));
    const cut = (await repo.get('f1')) as FileItem;
    expect(cut).toMatchObject({ state: 'waiting', uploadUrl: UPLOAD_URL, bytesSent: 10 * MB, uploaded: false });
    expect(server.runs[0]).toMatchObject({
      chunkSize: CHUNK_SIZE,
      uploadUrl: null,
      metadata: { filename: 'data.csv' },
    });
    first.stop();

    // "reload": a new sender over a new repository on the same IndexedDB
    const second = new OutboxSender(new OutboxRepository(), makeTransport(), noTimers);
    await repo.update('f1', (i) => ({ ...i, nextAttemptAt: 0 }));
    await second.start();
    expect(server.runs[1]?.uploadUrl).toBe(UPLOAD_URL);
    expect(await repo.get('f1')).toMatchObject({
      state: 'sent',
      batchId: 'batch-1',
      uploaded: true,
      bytesSent: 20 * MB,
    });
    expect(submitted).toEqual(['key-f1 0123456789abcdef0123456789abcdef']);
  });
});

/**
 * Resumable file uploads over tus (tus-js-client, 5 MiB parts). An upload resumes where the server has it: from the
 * URL kept on the outbox item, else from tus' own URL storage (by the file's fingerprint), so neither a cut
 * connection nor a reload starts it over. Retrying is the outbox sender's job (tus' own retries are off), so an
 * upload waits out an outage like every other submission.
 */
import * as tus from 'tus-js-client';
import type { FileItem } from '../outbox/outbox.model';
import type { UploadAttempt, UploadProgress } from '../outbox/outbox.sender';

export const CHUNK_SIZE = 5 * 1024 * 1024;

export type UploadEvents = {
  onUrl(url: string): Promise<void>;
  onProgress(p: UploadProgress): void;
  onChunk(p: UploadProgress): Promise<void>;
};

/** The part of tus.Upload used here (tests hand in a stand-in). */
export type TusUpload = Pick<
  tus.Upload,
  'start' | 'abort' | 'findPreviousUploads' | 'resumeFromPreviousUpload' | 'url'
>;

/** An upload with no progress for this long is stalled: it is stopped and resumed later by the sender. */
export const STALL_MS = 60_000;
export type TusFactory = (file: Blob, options: tus.UploadOptions) => TusUpload;

const defaultFactory: TusFactory = (file, options) => new tus.Upload(file, options);

/** The id the gateway gave the upload: the last part of its URL. */
export function uploadIdFromUrl(url: string): string {
  const id = new URL(url, 'http://x').pathname.split('/').filter(Boolean).pop() ?? '';
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`not an upload URL: ${url}`);
  return id;
}

export function uploadFilter(fileName: string): string {
  return /\.(ndjson|jsonl)$/i.test(fileName) ? 'application/x-ndjson' : 'text/csv';
}

export class UploadClient {
  constructor(
    private readonly endpoint: string,
    private readonly token: () => Promise<string | undefined>,
    private readonly factory: TusFactory = defaultFactory,
  ) {}

  upload(item: FileItem, events: UploadEvents): Promise<UploadAttempt> {
    return new Promise<UploadAttempt>((settle) => {
      let urlReported = false;
      let lastProgress = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress < STALL_MS) return;
        void upload.abort().catch(() => undefined);
        resolve({ kind: 'network' });
      }, 5_000);
      let done = false;
      const resolve = (attempt: UploadAttempt) => {
        clearInterval(watchdog);
        if (done) return;
        done = true;
        settle(attempt);
      };
      const upload = this.factory(item.file, {
        endpoint: this.endpoint,
        uploadUrl: item.uploadUrl ?? null,
        chunkSize: CHUNK_SIZE,
        retryDelays: null,
        metadata: { filename: item.fileName, filetype: item.fileType },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        fingerprint: async () => `genlake-upload-${item.id}`,
        onBeforeRequest: async (req) => {
          const token = await this.token();
          if (token) req.setHeader('Authorization', `Bearer ${token}`);
        },
        onUploadUrlAvailable: () => {
          if (upload.url && !urlReported) {
            urlReported = true;
            void events.onUrl(upload.url);
          }
        },
        onProgress: (bytesSent, bytesTotal) => {
          lastProgress = Date.now();
          events.onProgress({ bytesSent, bytesTotal });
        },
        onChunkComplete: (_chunk, bytesAccepted, bytesTotal) => {
          void events.onChunk({ bytesSent: bytesAccepted, bytesTotal });
        },
        onSuccess: () => resolve({ kind: 'uploaded' }),
        onError: (error) => resolve(attemptOf(error)),
      });
      const begin = async () => {
        if (!item.uploadUrl) {
          // No URL on the item (the page closed before it was written): tus' URL storage may still know it.
          const previous = await upload.findPreviousUploads().catch(() => []);
          if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        }
        upload.start();
      };
      void begin();
    });
  }
}

/** What a failed upload attempt means for the sender. */
export function attemptOf(error: Error | tus.DetailedError): UploadAttempt {
  const response = (error as tus.DetailedError).originalResponse;
  if (!response) return { kind: 'network' };
  const status = response.getStatus();
  // The upload is gone at the server (expired, removed): start again.
  if (status === 404 || status === 410) return { kind: 'gone' };
  // The server holds a different offset (a part was stored but its answer was lost, or a stalled part was cut):
  // not the user's input. The next attempt asks the server for its offset (HEAD) and goes on from there.
  if (status === 409) return { kind: 'network' };
  let body: unknown;
  try {
    body = JSON.parse(response.getBody());
  } catch {
    body = undefined;
  }
  return { kind: 'http', status, retryAfter: response.getHeader('Retry-After') ?? null, body };
}

/** Percent, speed and time left of an upload in progress, measured from when this run started. */
export type ProgressReport = { percent: number; bytesPerSecond: number; secondsLeft: number | undefined };

export function progressReport(
  p: UploadProgress,
  run: { startedAt: number; startBytes: number },
  now: number,
): ProgressReport {
  const percent = p.bytesTotal > 0 ? Math.floor((p.bytesSent / p.bytesTotal) * 100) : 0;
  const seconds = (now - run.startedAt) / 1000;
  const bytesPerSecond = seconds > 0 ? Math.max(0, p.bytesSent - run.startBytes) / seconds : 0;
  const secondsLeft = bytesPerSecond > 0 ? (p.bytesTotal - p.bytesSent) / bytesPerSecond : undefined;
  return { percent, bytesPerSecond, secondsLeft };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

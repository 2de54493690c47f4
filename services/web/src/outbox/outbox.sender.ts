/**
 * Delivers the outbox in the background, oldest first, one item at a time. Outages (network errors, 5xx, 429)
 * put the item back to waiting with a backoff or the gateway's Retry-After; a 4xx rejects it with the gateway's
 * reason. The item's Idempotency-Key goes with every attempt, so a retry after a lost answer is a replay, not a
 * second batch. While anything waits, /health/live is probed and the `online` event listened to: when the gateway
 * is back the waiting items go at once (except where the gateway said how long to wait).
 */
import type { FileItem, OutboxItem, RecordsItem } from './outbox.model';
import type { OutboxRepository } from './outbox.repository';
import { backoffMs, verdictFor } from './retry.rules';

/** The answer of one HTTP attempt, or `network` when there was none. */
export type Attempt =
  | { kind: 'http'; status: number; retryAfter: string | null; body: unknown }
  | { kind: 'network' }
  /** No access token to send with it (signed out, or the session could not be renewed yet). */
  | { kind: 'no-session' };

export type UploadAttempt =
  | { kind: 'uploaded' }
  | { kind: 'gone' }
  | Exclude<Attempt, { kind: 'http' }>
  | Extract<Attempt, { kind: 'http' }>;

export type UploadProgress = { bytesSent: number; bytesTotal: number };

export interface OutboxTransport {
  submitRecords(item: RecordsItem): Promise<Attempt>;
  /** Uploads (or resumes) the file; reports the upload URL as soon as it exists and the bytes as they go. */
  upload(
    item: FileItem,
    events: {
      onUrl(url: string): Promise<void>;
      onProgress(p: UploadProgress): void;
      onChunk(p: UploadProgress): Promise<void>;
    },
  ): Promise<UploadAttempt>;
  submitUpload(item: FileItem): Promise<Attempt>;
  /** True when the gateway answers its liveness probe. */
  probe(): Promise<boolean>;
  /** Renews the session after a 401; true when there is a token to try with. */
  renewSession(): Promise<boolean>;
}

export type SenderOptions = {
  now?: () => number;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  probeEveryMs?: number;
  /** Called whenever items are left waiting (the app asks for a Background Sync there). */
  onWaiting?: () => void;
};

export type ProgressListener = (id: string, progress: UploadProgress) => void;

export class OutboxSender {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly probeEveryMs: number;
  private readonly onWaiting?: () => void;
  private running?: Promise<void>;
  private again = false;
  private timer?: unknown;
  private probeTimer?: unknown;
  private stopped = true;
  private readonly progressListeners = new Set<ProgressListener>();

  constructor(
    private readonly repo: OutboxRepository,
    private readonly transport: OutboxTransport,
    options: SenderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as number));
    this.probeEveryMs = options.probeEveryMs ?? 5_000;
    this.onWaiting = options.onWaiting;
  }

  /** Items left in flight by a reload or a crash are waiting again; then everything due goes. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const item of await this.repo.list()) {
      if (item.state === 'sending' || item.state === 'uploading') {
        await this.repo.update(item.id, (i) => ({ ...i, state: 'waiting' }));
      }
    }
    await this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    if (this.probeTimer !== undefined) this.clearTimer(this.probeTimer);
    this.timer = this.probeTimer = undefined;
  }

  /** Stores a new submission and sends it; resolves once it is stored (sending goes on in the background). */
  async store(item: OutboxItem): Promise<void> {
    await this.repo.put(item);
    void this.run();
  }

  /** Stores a new submission and resolves when this round of sending is over. */
  async enqueue(item: OutboxItem): Promise<void> {
    await this.repo.put(item);
    await this.run();
  }

  /** The connection is back (or the user signed in): waiting items go now, except those told to wait. */
  async wake(): Promise<void> {
    const now = this.now();
    for (const item of await this.repo.list()) {
      if (item.state === 'waiting' && !item.toldToWait && item.nextAttemptAt > now) {
        await this.repo.update(item.id, (i) => ({ ...i, nextAttemptAt: now }));
      }
    }
    await this.run();
  }

  onProgress(listener: ProgressListener): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** Sends everything due; returns when nothing due is left (then a timer waits for the next one). */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.stopped) return;
        const due = (await this.repo.list()).find((i) => i.state === 'waiting' && i.nextAttemptAt <= this.now());
        if (!due) break;
        await this.attempt(due);
      }
    } while (this.again);
    await this.schedule();
  }

  private async schedule(): Promise<void> {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    const waiting = (await this.repo.list()).filter((i) => i.state === 'waiting');
    if (waiting.length === 0) {
      if (this.probeTimer !== undefined) this.clearTimer(this.probeTimer);
      this.probeTimer = undefined;
      return;
    }
    this.onWaiting?.();
    const next = Math.min(...waiting.map((i) => i.nextAttemptAt));
    this.timer = this.setTimer(
      () => {
        this.timer = undefined;
        void this.run();
      },
      Math.max(0, next - this.now()),
    );
    if (this.probeTimer === undefined) this.scheduleProbe();
  }

  private scheduleProbe(): void {
    this.probeTimer = this.setTimer(async () => {
      this.probeTimer = undefined;
      if (this.stopped) return;
      const live = await this.transport.probe().catch(() => false);
      const waiting = (await this.repo.list()).some((i) => i.state === 'waiting');
      if (live && waiting) await this.wake();
      else if (waiting) this.scheduleProbe();
    }, this.probeEveryMs);
  }

  private async attempt(item: OutboxItem): Promise<void> {
    if (item.kind === 'records') {
      await this.setState(item.id, 'sending');
      await this.conclude(item.id, await this.withSession(() => this.transport.submitRecords(item)));
      return;
    }
    let file = item;
    if (!file.uploaded) {
      await this.setState(file.id, 'uploading');
      const uploaded = await this.withSession(() => this.upload(file));
      if (uploaded.kind === 'gone') {
        // The server no longer has the upload (expired or removed): start it again from the first byte.
        await this.repo.update(file.id, (i) => ({ ...i, uploadUrl: undefined, bytesSent: 0, state: 'waiting' }));
        return;
      }
      if (uploaded.kind !== 'uploaded') return this.conclude(file.id, uploaded);
      const after = await this.repo.update(file.id, (i) => ({
        ...i,
        uploaded: true,
        bytesSent: (i as FileItem).bytesTotal,
      }));
      if (!after) return;
      file = after as FileItem;
    }
    await this.setState(file.id, 'sending');
    const answer = await this.withSession(() => this.transport.submitUpload(file));
    if (answer.kind === 'http' && answer.status === 409) {
      // The gateway has not got every byte: upload the rest, then submit again.
      await this.repo.update(file.id, (i) => ({ ...i, uploaded: false, state: 'waiting' }));
      return;
    }
    await this.conclude(file.id, answer);
  }

  private upload(item: FileItem): Promise<UploadAttempt> {
    return this.transport.upload(item, {
      onUrl: async (url) => {
        await this.repo.update(item.id, (i) => ({ ...i, uploadUrl: url }));
      },
      onProgress: (p) => {
        for (const listener of this.progressListeners) listener(item.id, p);
      },
      onChunk: async (p) => {
        await this.repo.update(item.id, (i) => ({ ...i, bytesSent: p.bytesSent, bytesTotal: p.bytesTotal }));
      },
    });
  }

  /** One attempt, and after a 401 one more with a renewed session. */
  private async withSession<T extends UploadAttempt>(call: () => Promise<T>): Promise<T | Attempt> {
    const first = await call().catch((): Attempt => ({ kind: 'network' }));
    if (!(first.kind === 'http' && first.status === 401)) return first;
    if (!(await this.transport.renewSession().catch(() => false))) return { kind: 'no-session' };
    return call().catch((): Attempt => ({ kind: 'network' }));
  }

  private async conclude(id: string, answer: UploadAttempt): Promise<void> {
    const now = this.now();
    if (answer.kind === 'uploaded' || answer.kind === 'gone') return;
    if (answer.kind === 'network' || answer.kind === 'no-session') return this.retryLater(id, now);
    const verdict = verdictFor(answer.status, answer.retryAfter, now);
    switch (verdict.kind) {
      case 'accepted':
        await this.repo.update(id, (i) => ({ ...i, state: 'sent', batchId: batchIdOf(answer.body), error: undefined }));
        return;
      case 'retry':
        return this.retryLater(id, now, verdict.retryAfterMs);
      case 'unauthorized':
        return this.retryLater(id, now);
      case 'rejected':
        await this.repo.update(id, (i) => ({ ...i, state: 'rejected', error: reasonOf(answer.status, answer.body) }));
        return;
    }
  }

  private async retryLater(id: string, now: number, retryAfterMs?: number): Promise<void> {
    await this.repo.update(id, (i) => {
      const attempts = i.attempts + 1;
      const delay = retryAfterMs ?? backoffMs(attempts, this.random);
      return { ...i, state: 'waiting', attempts, nextAttemptAt: now + delay, toldToWait: retryAfterMs !== undefined };
    });
  }

  private async setState(id: string, state: OutboxItem['state']): Promise<void> {
    await this.repo.update(id, (i) => ({ ...i, state }));
  }
}

function batchIdOf(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

function reasonOf(status: number, body: unknown): { message: string; details: string[] } {
  const b = body as { message?: unknown; details?: unknown } | null;
  const message = typeof b?.message === 'string' ? b.message : `HTTP ${status}`;
  const details = Array.isArray(b?.details) ? b.details.filter((d): d is string => typeof d === 'string') : [];
  return { message, details };
}

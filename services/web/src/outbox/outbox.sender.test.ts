import { beforeEach, describe, expect, it } from 'vitest';
import type { FileItem, OutboxItem, RecordsItem } from './outbox.model';
import { OutboxRepository } from './outbox.repository';
import { type Attempt, OutboxSender, type OutboxTransport, type UploadAttempt } from './outbox.sender';
import { backoffMs, MAX_DELAY_MS, parseRetryAfter, verdictFor } from './retry.rules';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function recordsItem(id = 'r1'): RecordsItem {
  return {
    id,
    kind: 'records',
    idempotencyKey: `key-${id}`,
    dataset: 'demo',
    complexity: 1,
    state: 'waiting',
    createdAt: T0,
    attempts: 0,
    nextAttemptAt: T0,
    toldToWait: false,
    records: [{ entity: 'a', ts: '2026-11-01T00:00:00Z', metric: 't', value: 1 }],
  };
}

const http = (status: number, body: unknown = {}, retryAfter: string | null = null): Attempt => ({
  kind: 'http',
  status,
  retryAfter,
  body,
});

/** A transport that answers from a script and remembers the Idempotency-Key of every call. */
class ScriptedTransport implements OutboxTransport {
  keys: string[] = [];
  probes = 0;
  live = false;
  renewals = 0;
  constructor(public answers: Attempt[]) {}
  async submitRecords(item: RecordsItem): Promise<Attempt> {
    this.keys.push(item.idempotencyKey);
    const answer = this.answers.shift();
    if (!answer) throw new Error('no more answers scripted');
    return answer;
  }
  async upload(): Promise<UploadAttempt> {
    return { kind: 'uploaded' };
  }
  async submitUpload(item: FileItem): Promise<Attempt> {
    return this.submitRecords(item as unknown as RecordsItem);
  }
  async probe(): Promise<boolean> {
    this.probes++;
    return this.live;
  }
  async renewSession(): Promise<boolean> {
    this.renewals++;
    return true;
  }
}

/** A clock and timers the test moves by hand. */
class ManualTime {
  now = T0;
  timers: { at: number; fn: () => void }[] = [];
  options = {
    now: () => this.now,
    random: () => 0.999,
    setTimeout: (fn: () => void, ms: number) => {
      const timer = { at: this.now + ms, fn };
      this.timers.push(timer);
      return timer;
    },
    clearTimeout: (h: unknown) => {
      this.timers = this.timers.filter((t) => t !== h);
    },
  };
  /** Moves the clock and fires the timers that fall due. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    const due = this.timers.filter((t) => t.at <= this.now);
    this.timers = this.timers.filter((t) => t.at > this.now);
    for (const t of due) t.fn();
    await new Promise((r) => setTimeout(r, 20));
  }
}

let repo: OutboxRepository;
let time: ManualTime;
beforeEach(() => {
  repo = new OutboxRepository();
  time = new ManualTime();
});

async function only(): Promise<OutboxItem> {
  const items = await repo.list();
  expect(items).toHaveLength(1);
  return items[0]!;
}

describe('retry rules', () => {
  it('retries network-level outages (5xx, 408, 429), rejects other 4xx, and treats 401 as a session matter', () => {
    for (const status of [500, 502, 503, 504, 408, 429]) expect(verdictFor(status, null, T0).kind).toBe('retry');
    for (const status of [400, 403, 404, 409, 413, 415, 422])
      expect(verdictFor(status, null, T0).kind).toBe('rejected');
    expect(verdictFor(401, null, T0).kind).toBe('unauthorized');
    expect(verdictFor(202, null, T0).kind).toBe('accepted');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7', T0)).toBe(7000);
    expect(parseRetryAfter(new Date(T0 + 12_000).toUTCString(), T0)).toBe(12_000);
    expect(parseRetryAfter('soon', T0)).toBeUndefined();
    expect(parseRetryAfter(null, T0)).toBeUndefined();
  });

  it('backs off exponentially with jitter: first retry at most 2 s, never above 30 s', () => {
    for (const r of [0, 0.5, 0.999]) {
      expect(backoffMs(1, () => r)).toBeLessThanOrEqual(2000);
      expect(backoffMs(1, () => r)).toBeGreaterThan(0);
      expect(backoffMs(20, () => r)).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
    const ceilings = [1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, () => 0.999));
    expect(ceilings).toEqual([...ceilings].sort((a, b) => a - b));
    expect(backoffMs(5, () => 0)).toBeLessThan(backoffMs(5, () => 0.999));
  });
});

describe('OutboxSender', () => {
  it('honours Retry-After on a 503 and sends again with the same Idempotency-Key', async () => {
    const transport = new ScriptedTransport([http(503, { message: 'unavailable' }, '7'), http(202, { id: 'batch-1' })]);
    let syncRequests = 0;
    const sender = new OutboxSender(repo, transport, { ...time.options, onWaiting: () => syncRequests++ });
    await sender.start();
    await sender.enqueue(recordsItem());

    let item = await only();
    expect(item).toMatchObject({ state: 'waiting', attempts: 1, nextAttemptAt: T0 + 7000, toldToWait: true });
    expect(item.error).toBeUndefined();
    expect(syncRequests).toBeGreaterThan(0); // a Background Sync is asked for while it waits

    transport.live = true;
    await time.advance(5000); // the probe answers, but the gateway said 7 s
    expect(transport.keys).toHaveLength(1);

    await time.advance(2000);
    item = await only();
    expect(item).toMatchObject({ state: 'sent', batchId: 'batch-1' });
    expect(transport.keys).toEqual(['key-r1', 'key-r1']);
    sender.stop();
  });

  it('retries network errors, 5xx and 429 with growing waits and never records an error for them', async () => {
    const transport = new ScriptedTransport([
      { kind: 'network' },
      http(500, { message: 'boom' }),
      http(429, { message: 'slow down' }),
      http(202, { id: 'batch-2' }),
    ]);
    const sender = new OutboxSender(repo, transport, time.options);
    await sender.start();
    await sender.enqueue(recordsItem());
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const item = await only();
      expect(item.state).toBe('waiting');
      expect(item.error).toBeUndefined();
      waits.push(item.nextAttemptAt - time.now);
      await time.advance(item.nextAttemptAt - time.now);
    }
    expect(waits[0]).toBeLessThanOrEqual(2000);
    expect(waits[1]).toBeGreaterThan(waits[0]!);
    expect(waits[2]).toBeGreaterThan(waits[1]!);
    expect(await only()).toMatchObject({ state: 'sent', batchId: 'batch-2', attempts: 3 });
    expect(new Set(transport.keys)).toEqual(new Set(['key-r1']));
    sender.stop();
  });

  it('marks a 4xx rejected with the gateway reason and does not try again', async () => {
    const transport = new ScriptedTransport([
      http(400, { statusCode: 400, message: 'invalid batch', details: ['line 7: value must be a number'] }),
    ]);
    const sender = new OutboxSender(repo, transport, time.options);
    await sender.start();
    await sender.enqueue(recordsItem());
    expect(await only()).toMatchObject({
      state: 'rejected',
      error: { message: 'invalid batch', details: ['line 7: value must be a number'] },
    });
    await time.advance(60_000);
    expect(transport.keys).toHaveLength(1);
    sender.stop();
  });

  it('after a 401 renews the session once and tries again', async () => {
    const transport = new ScriptedTransport([http(401), http(202, { id: 'batch-3' })]);
    const sender = new OutboxSender(repo, transport, time.options);
    await sender.start();
    await sender.enqueue(recordsItem());
    expect(transport.renewals).toBe(1);
    expect(await only()).toMatchObject({ state: 'sent', batchId: 'batch-3' });
  });

  it('when the probe finds the gateway back, waiting items go before their backoff ends', async () => {
    await repo.put({ ...recordsItem(), attempts: 5, nextAttemptAt: T0 + 25_000 });
    const transport = new ScriptedTransport([http(202, { id: 'batch-4' })]);
    const sender = new OutboxSender(repo, transport, { ...time.options, probeEveryMs: 5000 });
    await sender.start();
    await time.advance(5000);
    expect(transport.probes).toBe(1);
    expect(transport.keys).toEqual([]);

    transport.live = true;
    await time.advance(5000);
    expect(transport.probes).toBe(2);
    expect(await only()).toMatchObject({ state: 'sent', batchId: 'batch-4' });
    sender.stop();
  });

  it('resumes after a reload: an item left sending is sent again with its key', async () => {
    await repo.put({ ...recordsItem(), state: 'sending', attempts: 2 });
    const transport = new ScriptedTransport([http(202, { id: 'batch-5' })]);
    const sender = new OutboxSender(new OutboxRepository(), transport, time.options);
    await sender.start();
    expect(transport.keys).toEqual(['key-r1']);
    expect(await only()).toMatchObject({ state: 'sent', batchId: 'batch-5' });
  });
});

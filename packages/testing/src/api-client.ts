import { setTimeout as sleep } from 'node:timers/promises';

export interface BatchView {
  id: string;
  dataset: string;
  status: 'accepted' | 'processing' | 'correcting' | 'completed';
  recordCount: number;
  generations: Array<{
    id: string;
    number: number;
    stage: 'processed' | 'corrected';
    status: string;
    usedGenerations?: number[];
    tables: Record<string, { rows: number; files: number; bytes: number }>;
  }>;
}

/** A small client of the gateway's HTTP API for tests, the demo and the benchmarks. */
export class GatewayClient {
  constructor(readonly baseUrl: string) {}

  async submitJson(dataset: string, records: unknown[], complexity = 1, headers: Record<string, string> = {}) {
    return this.post('/api/batches', JSON.stringify({ dataset, records, options: { complexity } }), {
      'content-type': 'application/json',
      ...headers,
    });
  }

  async submitStream(
    dataset: string,
    body: string | Buffer | AsyncIterable<Buffer>,
    contentType: 'text/csv' | 'application/x-ndjson',
    complexity = 1,
    headers: Record<string, string> = {},
  ) {
    const url = `/api/batches?dataset=${encodeURIComponent(dataset)}&complexity=${complexity}`;
    return this.post(url, body, { 'content-type': contentType, ...headers });
  }

  async post(path: string, body: string | Buffer | AsyncIterable<Buffer>, headers: Record<string, string>) {
    const streaming = typeof body !== 'string' && !Buffer.isBuffer(body);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers,
      body: streaming ? (ReadableStreamFrom(body as AsyncIterable<Buffer>) as never) : (body as string),
      ...(streaming ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: json as Record<string, unknown>, text };
  }

  async get<T = unknown>(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  async batch(id: string): Promise<BatchView> {
    const res = await this.get<BatchView>(`/api/batches/${id}`);
    if (res.status !== 200) throw new Error(`GET batch ${id}: ${res.status}`);
    return res.body;
  }

  /** Polls until every batch is completed; returns them. */
  async waitCompleted(ids: string[], timeoutMs: number, onProgress?: (done: number) => void): Promise<BatchView[]> {
    const deadline = Date.now() + timeoutMs;
    const done = new Map<string, BatchView>();
    while (Date.now() < deadline) {
      for (const id of ids) {
        if (done.has(id)) continue;
        const b = await this.batch(id);
        if (b.status === 'completed') done.set(id, b);
      }
      onProgress?.(done.size);
      if (done.size === ids.length) return ids.map((id) => done.get(id)!);
      await sleep(500);
    }
    throw new Error(`${ids.length - done.size} of ${ids.length} batches not completed within ${timeoutMs} ms`);
  }
}

function ReadableStreamFrom(iterable: AsyncIterable<Buffer>): ReadableStream<Uint8Array> {
  const iterator = iterable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value));
    },
  });
}

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_STATUS, type BatchStatus } from '@genlake/contracts';
import type postgres from 'postgres';

export interface BatchView {
  id: string;
  dataset: string;
  status: BatchStatus;
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
  /** Access token sent with every request once set (see signUp). */
  token: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** The authorization header of the signed-in user, merged into `headers`. */
  auth(headers: Record<string, string> = {}): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}`, ...headers } : headers;
  }

  /** POSTs JSON without the client's token (account routes). */
  async postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.post(path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  /**
   * Registers an account, confirms it with the link the gateway put in its user.registered message (read from
   * the outbox: no mail relay needed), optionally makes it an operator, logs in and keeps the access token.
   */
  async signUp(
    sql: postgres.Sql,
    options: { email?: string; password?: string; role?: 'user' | 'operator'; confirm?: boolean } = {},
  ): Promise<{ id: string; email: string; password: string; refreshToken: string }> {
    const email = options.email ?? `user-${randomBytes(6).toString('hex')}@example.com`;
    const password = options.password ?? `pw-${randomBytes(12).toString('hex')}`;
    const saved = this.token;
    this.token = undefined;
    try {
      const registered = await this.postJson('/api/auth/register', { email, password });
      if (registered.status !== 202) throw new Error(`register: ${registered.status} ${registered.text}`);
      // The answer is the same for a new and a known address (no account enumeration): the id comes from the table.
      const [user] = await sql<{ id: string }[]>`select id from users where lower(email) = lower(${email})`;
      if (!user) throw new Error(`register: no account for ${email}`);
      const id = user.id;
      if (options.confirm !== false) {
        const [row] = await sql<{ url: string }[]>`
          select payload->'data'->>'confirmationUrl' as url from outbox
          where routing_key = 'user.registered' and payload->'data'->>'userId' = ${id}`;
        if (!row) throw new Error(`no user.registered message for ${email} in the outbox`);
        const token = new URL(row.url).searchParams.get('token');
        const confirmed = await this.postJson('/api/auth/confirm', { token });
        if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${confirmed.text}`);
      }
      if (options.role === 'operator') await sql`update users set role = 'operator' where id = ${id}`;
      const login = await this.postJson('/api/auth/login', { email, password });
      if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
      const tokens = login.body as { accessToken: string; refreshToken: string };
      this.token = tokens.accessToken;
      return { id, email, password, refreshToken: tokens.refreshToken };
    } catch (err) {
      this.token = saved;
      throw err;
    }
  }

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
      headers: this.auth(headers),
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
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.auth(headers) });
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
        if (b.status === BATCH_STATUS.completed) done.set(id, b);
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

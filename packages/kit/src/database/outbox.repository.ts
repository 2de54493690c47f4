import type { Sql, TransactionSql } from './database';
import { insertOutbox, type OutboxMessage } from './outbox.message';

export interface PendingOutboxRow {
  id: string;
  seq: number;
  exchange: string;
  routing_key: string;
  payload: unknown;
  headers: Record<string, string>;
}

/** Messages written in the same transaction as the state they announce; the relay publishes them. */
export class OutboxRepository {
  constructor(private readonly sql: Sql) {}

  async add(tx: TransactionSql | Sql, message: OutboxMessage): Promise<void> {
    await insertOutbox(tx, [message]);
  }

  /**
   * Locks up to `limit` unsent rows (skipping rows another relay holds), lets `publish` send them,
   * and marks them sent in the same transaction. If publishing throws, nothing is marked.
   */
  async publishPending(limit: number, publish: (rows: PendingOutboxRow[]) => Promise<void>): Promise<number> {
    return this.sql.begin(async (tx) => {
      const rows = await tx<PendingOutboxRow[]>`
        select id, seq, exchange, routing_key, payload, headers from outbox
        where sent_at is null order by seq limit ${limit} for update skip locked`;
      if (rows.length === 0) return 0;
      await publish(rows);
      await tx`update outbox set sent_at = now() where id = any(${rows.map((r) => r.id)}::uuid[])`;
      return rows.length;
    });
  }

  async countPending(): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`select count(*)::int as n from outbox where sent_at is null`;
    return row.n;
  }

  /** Sent rows are kept a while for inspection, then removed. */
  async purgeSent(olderThanHours: number): Promise<number> {
    const res = await this.sql`delete from outbox where sent_at < now() - make_interval(hours => ${olderThanHours})`;
    return res.count;
  }
}

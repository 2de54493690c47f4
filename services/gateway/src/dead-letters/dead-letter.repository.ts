import type { OutboxMessage, OutboxRepository, Sql, TransactionSql } from '@genlake/kit';

export interface DeadLetterRow {
  id: string;
  queue: string;
  message_id: string;
  message_type: string | null;
  correlation_id: string | null;
  reason: string;
  attempts: number;
  headers: Record<string, unknown>;
  body: string;
  dead_at: Date;
  alerted_at: Date | null;
  replayed_at: Date | null;
  replayed_by: string | null;
}

export interface DeadLetterFilter {
  queue?: string;
  state: 'open' | 'replayed' | 'all';
  limit: number;
  after?: { deadAt: string; id: string };
}

/** The dead letters the notifier keeps (table dead_letters); replays go out through the outbox. */
export class DeadLetterRepository {
  constructor(
    private readonly sql: Sql,
    private readonly outbox: OutboxRepository,
  ) {}

  list(filter: DeadLetterFilter): Promise<DeadLetterRow[]> {
    const sql = this.sql;
    return sql<DeadLetterRow[]>`
      select * from dead_letters
      where true
        ${filter.queue ? sql`and queue = ${filter.queue}` : sql``}
        ${filter.state === 'open' ? sql`and replayed_at is null` : filter.state === 'replayed' ? sql`and replayed_at is not null` : sql``}
        ${filter.after ? sql`and (dead_at, id) < (${filter.after.deadAt}::timestamptz, ${filter.after.id}::uuid)` : sql``}
      order by dead_at desc, id desc
      limit ${filter.limit}`;
  }

  async find(id: string): Promise<DeadLetterRow | undefined> {
    const [row] = await this.sql<DeadLetterRow[]>`select * from dead_letters where id = ${id}`;
    return row;
  }

  /** Locks the row, lets `decide` check it, and when it returns a message, queues it and marks the row replayed. */
  replay(id: string, by: string, decide: (row: DeadLetterRow | undefined) => OutboxMessage): Promise<DeadLetterRow> {
    return this.sql.begin(async (tx: TransactionSql) => {
      const [row] = await tx<DeadLetterRow[]>`select * from dead_letters where id = ${id} for update`;
      const message = decide(row);
      await this.outbox.add(tx, message);
      const [updated] = await tx<DeadLetterRow[]>`
        update dead_letters set replayed_at = now(), replayed_by = ${by} where id = ${id} returning *`;
      return updated;
    }) as Promise<DeadLetterRow>;
  }
}

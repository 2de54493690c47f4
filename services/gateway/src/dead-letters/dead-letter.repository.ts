import type { OutboxMessage, OutboxRepository, Sql, TransactionSql } from '@genlake/kit';
import { beforeTimeKey, epochMicros, type TimeKey } from '../paging/keyset.cursor';

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

/** A listed dead letter, with its exact position for the next page's cursor. */
export interface ListedDeadLetterRow extends DeadLetterRow {
  dead_us: string;
}

export interface DeadLetterFilter {
  queue?: string;
  state: 'open' | 'replayed' | 'all';
  limit: number;
  after?: TimeKey;
}

/** The dead letters the notifier keeps (table dead_letters); replays go out through the outbox. */
export class DeadLetterRepository {
  constructor(
    private readonly sql: Sql,
    private readonly outbox: OutboxRepository,
  ) {}

  list(filter: DeadLetterFilter): Promise<ListedDeadLetterRow[]> {
    const sql = this.sql;
    return sql<ListedDeadLetterRow[]>`
      select *, ${epochMicros(sql, 'dead_at')} as dead_us from dead_letters
      where true
        ${filter.queue ? sql`and queue = ${filter.queue}` : sql``}
        ${filter.state === 'open' ? sql`and replayed_at is null` : filter.state === 'replayed' ? sql`and replayed_at is not null` : sql``}
        ${filter.after ? sql`and ${beforeTimeKey(sql, 'dead_at', 'id', filter.after)}` : sql``}
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

import type { Sql, TransactionSql } from './database';

/** Remembers which messages a consumer has fully handled, so redeliveries change nothing. */
export class InboxRepository {
  constructor(private readonly sql: Sql) {}

  async seen(consumer: string, messageId: string): Promise<boolean> {
    const rows = await this.sql`select 1 from inbox where consumer = ${consumer} and message_id = ${messageId}`;
    return rows.length > 0;
  }

  /** Records the message inside the caller's transaction; false when another delivery got there first. */
  async record(tx: TransactionSql, consumer: string, messageId: string): Promise<boolean> {
    const rows = await tx`
      insert into inbox (consumer, message_id) values (${consumer}, ${messageId})
      on conflict do nothing returning 1`;
    return rows.length > 0;
  }
}

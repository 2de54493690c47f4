import type { Sql } from '@genlake/kit';
import type { DeadLetterSummary } from '../mail/mail.templates';

/** A message from a `<queue>.dead` queue, as it is kept for operators (table dead_letters). */
export interface NewDeadLetter {
  /** The `x-genlake-dead-id` header (a redelivery of the same dead letter is not a second row). */
  id: string;
  queue: string;
  messageId: string;
  messageType: string | null;
  correlationId: string | null;
  reason: string;
  attempts: number;
  headers: Record<string, unknown>;
  /** The body as it arrived. */
  body: string;
}

/** The dead letters kept for operators: stored by the keeper, alerted by the alert loop, replayed by the gateway. */
export class DeadLetterStore {
  constructor(private readonly sql: Sql) {}

  /** Stores a dead letter; false when it was stored before (same id). */
  async add(letter: NewDeadLetter): Promise<boolean> {
    const rows = await this.sql`
      insert into dead_letters (id, queue, message_id, message_type, correlation_id, reason, attempts, headers, body)
      values (
        ${letter.id}, ${letter.queue}, ${letter.messageId}, ${letter.messageType}, ${letter.correlationId},
        ${letter.reason}, ${letter.attempts}, ${this.sql.json(letter.headers as never)}, ${letter.body}
      )
      on conflict (id) do nothing
      returning 1`;
    return rows.length > 0;
  }

  /**
   * Takes up to `limit` dead letters not alerted yet, oldest first, skipping rows another replica holds (so two
   * replicas never alert the same row), lets `alert` send them, then marks them alerted, in one transaction: when
   * `alert` fails the rows stay unalerted for the next round. Returns how many were alerted.
   */
  alertUnalerted(limit: number, alert: (letters: DeadLetterSummary[]) => Promise<void>): Promise<number> {
    return this.sql.begin(async (tx) => {
      const rows = await tx<
        Array<{
          id: string;
          queue: string;
          message_id: string;
          message_type: string | null;
          reason: string;
          attempts: number;
          dead_at: Date;
        }>
      >`
        select id, queue, message_id, message_type, reason, attempts, dead_at
        from dead_letters
        where alerted_at is null
        order by dead_at, id
        limit ${limit}
        for update skip locked`;
      if (rows.length === 0) return 0;
      await alert(
        rows.map((r) => ({
          id: r.id,
          queue: r.queue,
          messageType: r.message_type,
          messageId: r.message_id,
          reason: r.reason,
          attempts: r.attempts,
          deadAt: r.dead_at,
        })),
      );
      const ids = rows.map((r) => r.id);
      await tx`update dead_letters set alerted_at = now() where id = any(${ids}::uuid[])`;
      return rows.length;
    }) as Promise<number>;
  }

  /** Dead letters not alerted yet. */
  async countUnalerted(): Promise<number> {
    const [row] = await this.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from dead_letters where alerted_at is null`;
    return row.n;
  }

  /** Dead letters not replayed yet, by queue: what operators still have to look at. */
  async countOpenByQueue(): Promise<Array<{ queue: string; n: number }>> {
    return this.sql<Array<{ queue: string; n: number }>>`
      select queue, count(*)::int as n from dead_letters where replayed_at is null group by queue`;
  }
}

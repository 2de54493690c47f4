import {
  type BuildMessageOptions,
  buildMessage,
  CATALOG,
  type MessageData,
  type MessageOf,
  type MessageType,
} from '@genlake/contracts';
import type postgres from 'postgres';
import type { Sql, TransactionSql } from './database';

/** A row of the outbox before it is written: the relay publishes `payload` to `exchange` with `routingKey`. */
export interface OutboxMessage<P = unknown> {
  id: string;
  exchange: string;
  routingKey: string;
  payload: P;
  headers?: Record<string, string>;
}

/**
 * The one way to announce a message: builds the current version of `type` (see the contracts' `buildMessage`) and
 * addresses it as the catalog declares (exchange and routing key), ready for the outbox.
 */
export function outboxMessage<T extends MessageType>(
  type: T,
  data: MessageData<T>,
  options: BuildMessageOptions,
): OutboxMessage<MessageOf<T>> {
  const message = buildMessage(type, data, options);
  const { exchange, routingKey } = CATALOG[type];
  return { id: message.id, exchange, routingKey, payload: message };
}

/**
 * The one INSERT into the outbox: one statement for any number of messages. Await it, or embed it in a larger
 * statement (a data-modifying CTE) as a fragment; it runs only then.
 */
export function insertOutbox(
  sql: Sql | TransactionSql,
  messages: readonly OutboxMessage[],
): postgres.PendingQuery<postgres.Row[]> {
  if (messages.length === 0) throw new Error('insertOutbox needs at least one message');
  const q = sql as Sql;
  return q`insert into outbox ${q(
    messages.map((m) => ({
      id: m.id,
      exchange: m.exchange,
      routing_key: m.routingKey,
      payload: q.json(m.payload as never),
      headers: q.json((m.headers ?? {}) as never),
    })),
  )}`;
}

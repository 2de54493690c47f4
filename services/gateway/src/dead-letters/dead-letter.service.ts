import { randomUUID } from 'node:crypto';
import { HEADERS, QUEUES } from '@genlake/contracts';
import { ApiError } from '../api-error';
import { checkUuid } from '../batches/batch.query';
import { decodeTimeKey, encodeTimeKey } from '../paging/keyset.cursor';
import type { DeadLetterRepository, DeadLetterRow } from './dead-letter.repository';
import { redactSecrets } from './redact';

const KNOWN_QUEUES: readonly string[] = Object.values(QUEUES);
const STATES = ['open', 'replayed', 'all'] as const;

/** Sent with a replayed message: the dead letter it came from. */
export const REPLAY_OF_HEADER = 'x-genlake-replay-of';

export interface DeadLetterListQuery {
  queue?: string;
  state?: string;
  limit?: string;
  cursor?: string;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * A dead letter as operators see it, secrets redacted (redact.ts): the message, its headers and the reason. The
 * stored row keeps them, so that a replay sends the message as it was.
 */
export function presentDeadLetter(row: DeadLetterRow, withBody: boolean) {
  const parsed = withBody ? parseBody(row.body) : undefined;
  return redactSecrets({
    id: row.id,
    queue: row.queue,
    messageId: row.message_id,
    messageType: row.message_type,
    correlationId: row.correlation_id,
    reason: row.reason,
    attempts: row.attempts,
    deadAt: row.dead_at.toISOString(),
    alertedAt: row.alerted_at?.toISOString() ?? null,
    replayedAt: row.replayed_at?.toISOString() ?? null,
    replayedBy: row.replayed_by,
    ...(withBody
      ? { headers: row.headers, ...(parsed === undefined ? { rawBody: row.body } : { message: parsed }) }
      : {}),
  });
}

/** What operators do with dead letters: list them, read one, send it back to its queue. */
export class DeadLetterService {
  constructor(private readonly deadLetters: DeadLetterRepository) {}

  async list(query: DeadLetterListQuery) {
    const unknown = Object.keys(query).filter((k) => !['queue', 'state', 'limit', 'cursor'].includes(k));
    if (unknown.length) throw ApiError.badRequest(`unknown query parameter(s): ${unknown.join(', ')}`);
    if (query.queue !== undefined && !KNOWN_QUEUES.includes(query.queue))
      throw ApiError.badRequest(`queue must be one of ${KNOWN_QUEUES.join(', ')}`);
    const state = query.state ?? 'open';
    if (!STATES.includes(state as never)) throw ApiError.badRequest(`state must be one of ${STATES.join(', ')}`);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw ApiError.badRequest('limit must be an integer from 1 to 500');
    const rows = await this.deadLetters.list({
      queue: query.queue,
      state: state as (typeof STATES)[number],
      limit: limit + 1,
      after: query.cursor ? decodeTimeKey(query.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => presentDeadLetter(r, false)),
      nextCursor: rows.length > limit && last ? encodeTimeKey({ micros: last.dead_us, id: last.id }) : null,
    };
  }

  async get(id: string) {
    const row = await this.deadLetters.find(checkUuid(id, 'dead letter id'));
    if (!row) throw ApiError.notFound(`no dead letter ${id}`);
    return presentDeadLetter(row, true);
  }

  /**
   * Publishes the message again, unchanged, to the queue it died in (through the default exchange, so only that
   * consumer sees it), with a fresh attempt count. A replayed letter is replayed again only with `force`.
   */
  async replay(id: string, operator: string, force: boolean) {
    const row = await this.deadLetters.replay(checkUuid(id, 'dead letter id'), operator, (found) => {
      if (!found) throw ApiError.notFound(`no dead letter ${id}`);
      if (found.replayed_at && !force)
        throw new ApiError(
          409,
          `dead letter ${id} was replayed at ${found.replayed_at.toISOString()}; add ?force=true to send it again`,
        );
      if (!KNOWN_QUEUES.includes(found.queue))
        throw new ApiError(409, `dead letter ${id} came from ${found.queue}, which no consumer reads any more`);
      const message = parseBody(found.body);
      if (message === undefined || message === null || typeof message !== 'object')
        throw new ApiError(409, `dead letter ${id} is not a JSON message; replaying it would fail the same way`);
      return {
        id: randomUUID(),
        exchange: '',
        routingKey: found.queue,
        payload: message,
        headers: {
          [REPLAY_OF_HEADER]: found.id,
          ...(found.correlation_id ? { [HEADERS.correlationId]: found.correlation_id } : {}),
        },
      };
    });
    return presentDeadLetter(row, false);
  }
}

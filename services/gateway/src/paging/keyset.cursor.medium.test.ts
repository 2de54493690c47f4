import { randomUUID } from 'node:crypto';
import { QUEUES } from '@genlake/contracts';
import { OutboxRepository } from '@genlake/kit';
import { setupTestServices, type TestServices } from '@genlake/testing';
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchQuery } from '../batches/batch.query';
import { BatchRepository } from '../batches/batch.repository';
import { DeadLetterRepository } from '../dead-letters/dead-letter.repository';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { decodeTimeKey, encodeTimeKey } from './keyset.cursor';

/**
 * Keyset pages over rows whose sort keys are mostly equal, as the group commit writes them (one transaction, one
 * timestamp to the microsecond): at every page size, following nextCursor lists every row exactly once.
 */
describe('keyset cursors', () => {
  let services: TestServices;
  let sql: postgres.Sql;

  beforeAll(async () => {
    services = await setupTestServices('keyset-cursors');
    sql = postgres(services.databaseUrl, { max: 4, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await services?.cleanup();
  });

  /** Microsecond timestamps with many repeats, and sub-millisecond differences a millisecond cursor would lose. */
  const timestamps = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 12 })),
    { minLength: 1, maxLength: 5 },
  );
  const base = Date.UTC(2026, 10, 1) * 1000;
  const micros = ([ms, us]: [number, number, number]) => String(base + ms * 1000 + us * 7);

  /** Inserts each group's rows at its timestamp with `insert`; returns the ids in insertion order. */
  async function insertGroups(
    groups: [number, number, number][],
    insert: (id: string, micros: string) => Promise<unknown>,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const group of groups) {
      for (let i = 0; i < group[2]; i++) {
        const id = randomUUID();
        ids.push(id);
        await insert(id, micros(group));
      }
    }
    return ids;
  }

  async function pageAll<T>(
    fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
  ): Promise<T[]> {
    const seen: T[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 500; guard++) {
      const page = await fetchPage(cursor);
      seen.push(...page.items);
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error('paging did not end');
  }

  it('lists every batch exactly once at every page size', async () => {
    const query = new BatchQuery(new BatchRepository(sql));
    await fc.assert(
      fc.asyncProperty(timestamps, async (groups) => {
        const owner = `owner-${randomUUID()}`;
        const [dataset] = await sql<{ id: string }[]>`
          insert into datasets (name, owner_id) values (${`k-${randomUUID().slice(0, 8)}`}, ${owner}) returning id`;
        const ids = await insertGroups(
          groups,
          (id, at) => sql`
            insert into batches (id, dataset_id, owner_id, record_count, source_format, payload_kind, payload_key,
                                 payload_bytes, payload_sha256, content_hash, correlation_id, created_at)
            values (${id}, ${dataset!.id}, ${owner}, 1, 'json', 'object', 'k', 1, 'x', 'h', 'c',
                    'epoch'::timestamptz + ${at}::bigint * interval '1 microsecond')`,
        );
        for (let limit = 1; limit <= ids.length + 1; limit++) {
          const listed = await pageAll((cursor) => query.list({ limit: String(limit), cursor }, owner));
          expect(listed.map((b) => b.id).sort()).toEqual([...ids].sort());
        }
      }),
      { numRuns: 15 },
    );
  });

  it('lists every dead letter exactly once at every page size', async () => {
    const service = new DeadLetterService(new DeadLetterRepository(sql, new OutboxRepository(sql)));
    await fc.assert(
      fc.asyncProperty(timestamps, async (groups) => {
        await sql`delete from dead_letters`;
        const ids = await insertGroups(
          groups,
          (id, at) => sql`
            insert into dead_letters (id, queue, message_id, reason, body, dead_at)
            values (${id}, ${QUEUES.notifierCrm}, ${`m-${id}`}, 'r', '{}',
                    'epoch'::timestamptz + ${at}::bigint * interval '1 microsecond')`,
        );
        for (let limit = 1; limit <= ids.length + 1; limit++) {
          const listed = await pageAll((cursor) => service.list({ limit: String(limit), state: 'all', cursor }));
          expect(listed.map((d) => d.id).sort()).toEqual([...ids].sort());
        }
      }),
      { numRuns: 10 },
    );
  });

  it('refuses cursors it did not give: forged, out of range, or of the old millisecond form', () => {
    const id = randomUUID();
    expect(decodeTimeKey(encodeTimeKey({ micros: '1764547200000123', id }))).toEqual({
      micros: '1764547200000123',
      id,
    });
    const forged = [
      Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', id])).toString('base64url'),
      Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', id])).toString('base64url'),
      Buffer.from(JSON.stringify(['1e21', id])).toString('base64url'),
      Buffer.from(JSON.stringify(['-5', id])).toString('base64url'),
      Buffer.from(JSON.stringify(['123456789012345678', id])).toString('base64url'),
      Buffer.from(JSON.stringify(['1764547200000123', 'not-a-uuid'])).toString('base64url'),
      'garbage',
      '',
    ];
    for (const cursor of forged)
      expect(() => decodeTimeKey(cursor), cursor).toThrow(/cursor is not one this API returned/);
  });
});

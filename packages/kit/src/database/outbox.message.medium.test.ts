import { randomUUID } from 'node:crypto';
import { CATALOG, validateMessage } from '@genlake/contracts';
import { setupTestServices, type TestServices } from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOutbox, type OutboxMessage, outboxMessage } from './outbox.message';

const registered = (email: string) =>
  outboxMessage(
    'user.registered',
    {
      userId: randomUUID(),
      email,
      registeredAt: new Date().toISOString(),
      confirmationUrl: 'https://genlake.example/confirm?token=t',
      confirmationExpiresAt: new Date().toISOString(),
    },
    { correlationId: 'c-1' },
  );

describe('outbox messages', () => {
  let services: TestServices;
  let sql: postgres.Sql;
  const statements: string[] = [];

  beforeAll(async () => {
    services = await setupTestServices('outbox-message');
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {}, debug: (_c, query) => statements.push(query) });
  });

  afterAll(async () => {
    await sql?.end();
    await services?.cleanup();
  });

  const stored = (ids: string[]) =>
    sql<{ id: string; exchange: string; routing_key: string; payload: unknown; headers: unknown }[]>`
      select id, exchange, routing_key, payload, headers from outbox where id = any(${ids}::uuid[]) order by seq`;

  it('builds the current version of a message, addressed as the catalog declares', () => {
    const message = registered('a@genlake.example');
    expect(message.exchange).toBe(CATALOG['user.registered'].exchange);
    expect(message.routingKey).toBe(CATALOG['user.registered'].routingKey);
    expect(message.id).toBe(message.payload.id);
    expect(validateMessage(message.payload)).toMatchObject({ ok: true, type: 'user.registered' });
  });

  it('writes many messages in one statement, in order, with empty headers by default', async () => {
    const messages: OutboxMessage[] = Array.from({ length: 50 }, (_, i) => registered(`u${i}@genlake.example`));
    messages[1] = { ...messages[1], headers: { 'x-replayed-by': 'ops' } };
    statements.length = 0;
    await insertOutbox(sql, messages);
    expect(statements.filter((q) => /insert into outbox/i.test(q))).toHaveLength(1);
    const rows = await stored(messages.map((m) => m.id));
    expect(rows.map((r) => r.id)).toEqual(messages.map((m) => m.id));
    expect(rows[0]).toEqual({
      id: messages[0].id,
      exchange: messages[0].exchange,
      routing_key: messages[0].routingKey,
      payload: messages[0].payload,
      headers: {},
    });
    expect(rows[1].headers).toEqual({ 'x-replayed-by': 'ops' });
  });

  it('runs inside a larger statement, and writes nothing when that statement fails', async () => {
    const one = registered('cte@genlake.example');
    await sql`with announced as (${insertOutbox(sql, [one])}) select 1`;
    expect(await stored([one.id])).toHaveLength(1);

    const two = registered('dup@genlake.example');
    await expect(insertOutbox(sql, [two, one])).rejects.toThrow(/duplicate key/);
    expect(await stored([two.id])).toHaveLength(0);
  });

  it('refuses an empty list', () => {
    expect(() => insertOutbox(sql, [])).toThrow('insertOutbox needs at least one message');
  });
});

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@genlake/kit';
import { setupTestServices, type TestServices } from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailMessage } from '../mail/smtp.mailer';
import { UserDirectory } from '../users/user.directory';
import { DeadLetterAlerts } from './dead-letter.alerts';
import { DeadLetterStore, type NewDeadLetter } from './dead-letter.store';

const logger = createLogger('test', 'silent');

function letter(n: number): NewDeadLetter {
  return {
    id: randomUUID(),
    queue: 'notifier.crm',
    messageId: `m-${n}`,
    messageType: 'batch.completed',
    correlationId: 'c',
    reason: `reason ${n}`,
    attempts: 3,
    headers: { 'x-genlake-reason': `reason ${n}` },
    body: '{}',
  };
}

describe('dead letters in Postgres', () => {
  let services: TestServices;
  let sql: postgres.Sql;
  let store: DeadLetterStore;
  let users: UserDirectory;

  beforeAll(async () => {
    services = await setupTestServices('dead-letters');
    sql = postgres(services.databaseUrl, { max: 6, onnotice: () => {} });
    store = new DeadLetterStore(sql);
    users = new UserDirectory(sql);
  });
  afterAll(async () => {
    await sql?.end();
    await services?.cleanup();
  });
  beforeEach(async () => {
    await sql`delete from dead_letters`;
    await sql`delete from users`;
  });

  it('stores a dead letter once, whatever the number of deliveries', async () => {
    const l = letter(1);
    expect(await store.add(l)).toBe(true);
    expect(await store.add({ ...l, reason: 'again' })).toBe(false);
    const rows = await sql`select reason, headers from dead_letters`;
    expect(rows).toEqual([{ reason: 'reason 1', headers: { 'x-genlake-reason': 'reason 1' } }]);
  });

  it('alerts each dead letter once although two replicas run the alert loop at the same time', async () => {
    for (let i = 0; i < 5; i++) await store.add(letter(i));
    const sent: MailMessage[] = [];
    const slowSend = async (m: MailMessage) => {
      await sleep(300);
      sent.push(m);
    };
    const options = { intervalMs: 60_000, operatorEmails: ['ops@example.com'] };
    const a = new DeadLetterAlerts(store, users, slowSend, options, logger);
    const b = new DeadLetterAlerts(store, users, slowSend, options, logger);
    const counts = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(counts.sort()).toEqual([0, 5]);
    expect(sent).toHaveLength(1);
    expect(sent[0].to).toEqual(['ops@example.com']);
    expect(sent[0].subject).toBe('[genlake] 5 new dead letters (notifier.crm)');
    expect(await store.countUnalerted()).toBe(0);
    expect(await a.runOnce()).toBe(0);
  });

  it('leaves the dead letters unalerted when the relay fails or nobody can be told, and tries again', async () => {
    await store.add(letter(1));
    const failing = new DeadLetterAlerts(
      store,
      users,
      async () => {
        throw new Error('relay down');
      },
      { intervalMs: 60_000, operatorEmails: ['ops@example.com'] },
      logger,
    );
    await expect(failing.runOnce()).rejects.toThrow('relay down');
    expect(await store.countUnalerted()).toBe(1);
    // No OPERATOR_EMAILS: the confirmed operator accounts; none yet.
    const sent: MailMessage[] = [];
    const byAccounts = new DeadLetterAlerts(
      store,
      users,
      async (m) => void sent.push(m),
      { intervalMs: 50, operatorEmails: [] },
      logger,
    );
    expect(await byAccounts.runOnce()).toBe(0);
    await sql`
      insert into users (email, password_hash, role, email_confirmed_at) values
        ('op1@example.com', 'x', 'operator', now()), ('op2@example.com', 'x', 'operator', null),
        ('user@example.com', 'x', 'user', now())`;
    // The loop itself picks it up.
    byAccounts.start();
    const deadline = Date.now() + 5_000;
    while (sent.length === 0 && Date.now() < deadline) await sleep(50);
    await byAccounts.stop();
    expect(sent.map((m) => m.to)).toEqual([['op1@example.com']]);
    expect(await store.countUnalerted()).toBe(0);
  });
});

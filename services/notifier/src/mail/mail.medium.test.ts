import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage, EVENTS_EXCHANGE, type MessageOf } from '@genlake/contracts';
import { type CrmStub, startCrmStub } from '@genlake/crm-stub';
import { type MailStub, startMailStub } from '@genlake/mail-stub';
import { publishEvent, ServiceProcess, setupTestServices, type TestServices, waitFor } from '@genlake/testing';
import postgres from 'postgres';
import { Connection, type Publisher } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PUBLIC_BASE_URL = 'https://genlake.example.com';
const OPERATOR = 'ops@example.com';

type Published =
  | MessageOf<'batch.completed'>
  | MessageOf<'user.registered'>
  | MessageOf<'user.confirmation-requested'>
  | MessageOf<'user.registration-attempted'>;

function registered(email: string, userId = randomUUID()): MessageOf<'user.registered'> {
  const now = new Date();
  return buildMessage(
    'user.registered',
    {
      userId,
      email,
      registeredAt: now.toISOString(),
      confirmationUrl: `${PUBLIC_BASE_URL}/api/auth/confirm?token=${randomUUID()}`,
      confirmationExpiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
    },
    { correlationId: `register-${userId}` },
  );
}

function completed(ownerId: string, dataset = 'meters'): MessageOf<'batch.completed'> {
  return buildMessage(
    'batch.completed',
    {
      batchId: randomUUID(),
      datasetId: randomUUID(),
      dataset,
      ownerId,
      number: 3,
      processedGenerationId: randomUUID(),
      correctedGenerationId: randomUUID(),
      recordCount: 1234,
      corrections: 5,
      completedAt: new Date().toISOString(),
    },
    { correlationId: `completed-${ownerId}` },
  );
}

describe('notifier: email through a real SMTP server (the mail stub)', () => {
  let services: TestServices;
  let mail: MailStub;
  let crm: CrmStub;
  let sql: postgres.Sql;
  let connection: Connection;
  let publisher: Publisher;
  let notifier: ServiceProcess;
  const users = { alice: randomUUID(), bob: randomUUID(), carol: randomUUID(), ops: randomUUID() };

  const publish = (message: Published) => publishEvent(publisher, message);

  const crmKeys = () => new Set(crm.events().map((e) => e.idempotencyKey));

  beforeAll(async () => {
    services = await setupTestServices('notifier-mail');
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    // alice asked for emails about completed batches; bob did not; carol did but never confirmed her address.
    await sql`
      insert into users (id, email, password_hash, role, email_confirmed_at, notify_batch_completed) values
        (${users.alice}, 'alice@example.com', 'x', 'user', now(), true),
        (${users.bob}, 'bob@example.com', 'x', 'user', now(), false),
        (${users.carol}, 'carol@example.com', 'x', 'user', null, true),
        (${users.ops}, ${OPERATOR}, 'x', 'operator', now(), false)`;
    mail = await startMailStub({ smtpPort: 0, httpPort: 0 });
    crm = await startCrmStub({ port: 0, token: 'test-token' });
    connection = new Connection({ url: services.rabbitmqUrl, retryLow: 100, retryHigh: 1000 });
    publisher = connection.createPublisher({
      confirm: true,
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
    });
    notifier = await ServiceProcess.start(
      'notifier',
      {
        ...services.serviceEnv(),
        MIGRATE_ON_START: 'false',
        CRM_URL: crm.eventsUrl,
        CRM_TOKEN: 'test-token',
        SMTP_HOST: mail.smtpHost,
        SMTP_PORT: String(mail.smtpPort),
        SMTP_TIMEOUT_MS: '2000',
        SMTP_BREAKER_RESET_MS: '1000',
        PUBLIC_BASE_URL,
        // No OPERATOR_EMAILS: the confirmed operators among the users get the alerts.
        ALERT_INTERVAL_MS: '1000',
        // One email at a time: messages are handled in queue order, so "nothing was sent" can be checked.
        MAIL_CONCURRENCY: '1',
        MAIL_PREFETCH: '1',
      },
      await mkdtemp(join(tmpdir(), 'genlake-notifier-mail-')),
    );
  });

  afterAll(async () => {
    await notifier?.stop();
    await publisher?.close();
    await connection?.close();
    await mail?.close();
    await crm?.stop();
    await sql?.end();
    await services?.cleanup();
  });

  it('sends the confirmation link once for user.registered and again for user.confirmation-requested', async () => {
    const message = registered('new.user@example.com');
    await publish(message);
    const [email] = await waitFor(
      'the email',
      () => mail.messagesTo('new.user@example.com'),
      (m) => m.length > 0,
      15_000,
    );
    expect(email.Subject).toBe('Confirm your email address for genlake');
    expect(email.From.Address).toBe('no-reply@genlake.local');
    expect(email.Text).toContain(message.data.confirmationUrl);
    expect(email.HTML).toContain(`href="${message.data.confirmationUrl.replace(/&/g, '&amp;')}"`);
    expect(email.MessageID).toBe(`${message.id}@genlake`);
    // A redelivery of the same message (same id) sends nothing more: the inbox remembers it.
    await publish(message);
    const again = buildMessage(
      'user.confirmation-requested',
      {
        userId: message.data.userId,
        email: message.data.email,
        confirmationUrl: `${PUBLIC_BASE_URL}/api/auth/confirm?token=second`,
        confirmationExpiresAt: message.data.confirmationExpiresAt,
      },
      { correlationId: 'again' },
    );
    await publish(again);
    const emails = await waitFor(
      'the second email',
      () => mail.messagesTo('new.user@example.com'),
      (m) => m.length >= 2,
      15_000,
    );
    await sleep(500);
    expect(mail.messagesTo('new.user@example.com')).toHaveLength(2);
    expect(emails[1].Text).toContain('token=second');
    expect(emails[1].Text).toContain('new link you asked for');
    // The CRM heard of the new user too (user.confirmation-requested is not a CRM event).
    await waitFor('the CRM event', crmKeys, (keys) => keys.has(message.id), 15_000);
  }, 40_000);

  it('warns the owner of an address someone tried to register again, once, and tells the CRM nothing', async () => {
    const attempt = buildMessage(
      'user.registration-attempted',
      { userId: randomUUID(), email: 'dave@example.com', attemptedAt: new Date().toISOString() },
      { correlationId: 'attempt' },
    );
    await publish(attempt);
    await publish(attempt);
    const [email] = await waitFor(
      'the warning',
      () => mail.messagesTo('dave@example.com'),
      (m) => m.length > 0,
      15_000,
    );
    expect(email.Subject).toBe('Someone tried to register with your address at genlake');
    expect(email.Text).toContain('Someone tried to create a genlake account with dave@example.com');
    expect(email.Text).toContain(`Log in at ${PUBLIC_BASE_URL}/login.`);
    expect(email.MessageID).toBe(`${attempt.id}@genlake`);
    await sleep(500);
    expect(mail.messagesTo('dave@example.com')).toHaveLength(1);
    expect(crmKeys().has(attempt.id)).toBe(false);
  }, 40_000);

  it('emails the owner of a completed batch only when asked for and confirmed', async () => {
    const quiet = [completed(users.bob), completed(users.carol), completed('public'), completed(randomUUID())];
    const wanted = completed(users.alice, 'alice_meters');
    for (const m of [...quiet, wanted]) await publish(m);
    const [email] = await waitFor(
      'alice’s email',
      () => mail.messagesTo('alice@example.com'),
      (m) => m.length > 0,
      15_000,
    );
    expect(email.Subject).toBe('Batch completed: alice_meters, generation 3');
    expect(email.Text).toContain('1,234 records');
    expect(email.Text).toContain('5 estimates were corrected');
    expect(email.Text).toContain(`${PUBLIC_BASE_URL}/batches/${wanted.data.batchId}`);
    // The mail queue is handled in order (one at a time): the quiet ones were handled before alice's was sent. And
    // the CRM got every one of them, so they really arrived.
    await waitFor('the CRM events', crmKeys, (keys) => [...quiet, wanted].every((m) => keys.has(m.id)), 15_000);
    await sleep(300);
    for (const address of ['bob@example.com', 'carol@example.com']) expect(mail.messagesTo(address)).toEqual([]);
    expect(mail.messagesTo('alice@example.com')).toHaveLength(1);
  }, 40_000);

  it('loses nothing while the mail relay is down, then refuses (451) for 20 s: every email arrives once', async () => {
    await mail.setMode('down');
    const messages = Array.from({ length: 8 }, (_, i) => registered(`outage-${i}@example.com`));
    for (const m of messages) await publish(m);
    await sleep(10_000);
    await mail.setMode('tempfail');
    await sleep(10_000);
    expect(messages.flatMap((m) => mail.messagesTo(m.data.email))).toEqual([]);
    expect(mail.stats().tempFailed).toBeGreaterThan(0);
    await mail.setMode('accept');
    await waitFor(
      'every email after the outage',
      () => messages.filter((m) => mail.messagesTo(m.data.email).length > 0).length,
      (n) => n === messages.length,
      30_000,
    );
    await sleep(1_000);
    for (const m of messages) expect(mail.messagesTo(m.data.email), m.data.email).toHaveLength(1);
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from dead_letters`;
    expect(row.n).toBe(0);
  }, 60_000);

  it('keeps an email the relay refuses for good (550) as a dead letter and tells the operators', async () => {
    mail.rejectRecipients(/^bounce@/);
    const message = registered('bounce@example.com');
    await publish(message);
    const [row] = await waitFor(
      'the dead letter, alerted',
      () => sql<Array<Record<string, unknown>>>`select * from dead_letters where message_id = ${message.id}`,
      (rows) => rows.length === 1 && rows[0].alerted_at !== null,
      20_000,
    );
    mail.rejectRecipients(null);
    expect(row).toMatchObject({ queue: 'notifier.mail', message_type: 'user.registered', attempts: 1 });
    expect(String(row.reason)).toMatch(/^mail relay refused the message: 550 5\.1\.1/);
    const metrics = await (await fetch(`${notifier.url}/metrics`)).text();
    expect(metrics).toMatch(/^genlake_dead_letters_total\{queue="notifier\.mail",service="notifier"\} 1$/m);
    const [digest] = await waitFor(
      'the digest',
      () => mail.messagesTo(OPERATOR),
      (m) => m.length > 0,
      10_000,
    );
    expect(digest.Subject).toBe('[genlake] 1 new dead letter (notifier.mail)');
    expect(digest.Text).toContain(`${row.id}  notifier.mail  user.registered`);
    expect(digest.Text).toContain('550 5.1.1');
  }, 30_000);
});

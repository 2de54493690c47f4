import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CrmStub, startCrmStub } from '@genlake/crm-stub';
import { type MailStub, startMailStub } from '@genlake/mail-stub';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ServiceProcess,
  setupTestServices,
  type TestServices,
  waitFor,
} from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Waits up to a minute for `probe` to give something (not undefined, not false). */
function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  return waitFor(what, probe, (v) => v !== undefined && v !== false, 60_000) as Promise<T>;
}

/**
 * Issue 3 from the outside, every service a process: a user registers through the API, receives the confirmation
 * email from the notifier through a real SMTP server, follows the link, submits a batch; the batch completes, the
 * user (who asked for it) gets an email, and the CRM receives the user and then the batch, in that order.
 */
describe('accounts, mail and the CRM end to end', () => {
  let services: TestServices;
  let workDir: string;
  let processes: ServiceProcess[] = [];
  let gateway: ServiceProcess;
  let sql: postgres.Sql;
  let mail: MailStub;
  let crm: CrmStub;

  beforeAll(async () => {
    services = await setupTestServices('notify');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-notify-'));
    [mail, crm] = await Promise.all([startMailStub({ smtpPort: 0, httpPort: 0 }), startCrmStub({ port: 0 })]);
    const env = { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work'), ...GENEROUS_LIMITS };
    const logs = join(workDir, 'logs');
    gateway = await ServiceProcess.start('gateway', { ...env, PUBLIC_BASE_URL: 'https://genlake.example' }, logs);
    processes = [
      gateway,
      ...(await Promise.all([
        ServiceProcess.start('processor', env, logs),
        ServiceProcess.start('corrector', env, logs),
        ServiceProcess.start(
          'notifier',
          {
            ...env,
            SMTP_HOST: mail.smtpHost,
            SMTP_PORT: String(mail.smtpPort),
            CRM_URL: crm.eventsUrl,
            CRM_TOKEN: crm.token,
            PUBLIC_BASE_URL: 'https://genlake.example',
            OPERATOR_EMAILS: 'ops@example.com',
            ALERT_INTERVAL_MS: '1000',
          },
          logs,
        ),
      ])),
    ];
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([mail?.close(), crm?.stop(), sql?.end()]);
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  it('registers, confirms through the emailed link, submits, and is told by email and reported to the CRM in order', async () => {
    const client = new GatewayClient(gateway.url);
    const email = `e2e-${Date.now()}@example.com`;
    const password = 'an end to end passphrase';
    const registered = await client.postJson('/api/auth/register', { email, password, notifyOnBatchCompleted: true });
    expect(registered.status).toBe(202);
    const [account] = await sql<{ id: string }[]>`select id from users where email = ${email}`;
    const userId = account.id;

    // The confirmation email, through SMTP, with a link to the public address.
    const [confirmation] = await until('the confirmation email', () => {
      const got = mail.messagesTo(email);
      return got.length ? got : undefined;
    });
    const link = /https:\/\/genlake\.example\/confirm\?token=[A-Za-z0-9_-]+/.exec(confirmation.Text)?.[0];
    expect(link, confirmation.Text).toBeDefined();
    const token = new URL(link!).searchParams.get('token');

    // Registering the address again answers exactly the same, creates nothing, and warns the owner by email.
    const again = await client.postJson('/api/auth/register', {
      email: email.toUpperCase(),
      password: 'somebody else trying',
    });
    expect(again.status).toBe(202);
    expect(again.text).toBe(registered.text);
    const warning = await until('the warning email', () =>
      mail.messagesTo(email).find((m) => m.Subject.includes('tried to register')),
    );
    expect(warning.Text).toContain(`Someone tried to create a genlake account with ${email}`);
    expect(warning.Text).toContain('https://genlake.example/login');
    expect(warning.Text).not.toMatch(/token=/);
    const [accounts] = await sql<
      { n: number }[]
    >`select count(*)::int as n from users where lower(email) = lower(${email})`;
    expect(accounts.n).toBe(1);

    // Log in before confirming: reading works, submitting does not.
    const login = await client.postJson('/api/auth/login', { email, password });
    expect(login.status).toBe(200);
    client.token = String(login.body.accessToken);
    expect((await client.submitJson('e2e-mail', [...measurements({ count: 10, seed: 1 })])).status).toBe(403);
    expect((await client.postJson('/api/auth/confirm', { token })).status).toBe(200);

    const submitted = await client.submitJson('e2e-mail', [...measurements({ count: 50, seed: 2 })]);
    expect(submitted.status).toBe(202);
    const batchId = String(submitted.body.id);
    await client.waitCompleted([batchId], 120_000);

    // The owner asked for it: an email about the completed batch, linking to it.
    const done = await until('the batch-completed email', () =>
      mail.messagesTo(email).find((m) => m.Text.includes(batchId)),
    );
    expect(done.Text).toContain(`https://genlake.example/batches/${batchId}`);
    expect(mail.messagesTo(email)).toHaveLength(3); // the confirmation, the warning, the batch

    // The CRM got the new user, then the batch: once each, in that order.
    const events = await until('both CRM events', () => {
      const mine = crm
        .events()
        .map((e) => e.body as { type: string; userId?: string; ownerId?: string; batchId?: string })
        .filter((b) => b.userId === userId || b.ownerId === userId);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(events.map((e) => e.type)).toEqual(['user.registered', 'batch.completed']);
    expect(events[1].batchId).toBe(batchId);
    expect(crm.stats().maxPerSecond).toBeLessThan(100);
  });

  it('sends a dead letter to the operators and lets an operator replay it through the API', async () => {
    // The CRM refuses a user for good: the message is dead-lettered at once (a 4xx), kept, and the operators are told.
    crm.setMode('reject');
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const letter = await until('the dead letter', async () => {
      const [row] = await sql<{ id: string; queue: string; reason: string }[]>`
        select id, queue, reason from dead_letters where body like ${`%${user.id}%`}`;
      return row;
    });
    expect(letter.queue).toBe('notifier.crm');
    expect(letter.reason).toMatch(/400|refused|reject/i);
    const digest = await until('the operator digest', () =>
      mail.messagesTo('ops@example.com').find((m) => m.Text.includes(letter.id)),
    );
    expect(digest.Subject).toMatch(/dead letter/i);

    // Fixed: an operator replays it, and the CRM gets the user once.
    crm.setMode('ok');
    const operator = new GatewayClient(gateway.url);
    await operator.signUp(sql, { role: 'operator' });
    const replay = await operator.post(`/api/dead-letters/${letter.id}/replay`, '', {});
    expect(replay.status).toBe(202);
    await until('the replayed CRM event', () =>
      crm.events().some((e) => (e.body as { type: string; userId?: string }).userId === user.id),
    );
    const [after] = await sql<
      { replayed_at: Date | null }[]
    >`select replayed_at from dead_letters where id = ${letter.id}`;
    expect(after.replayed_at).not.toBeNull();
  });
});

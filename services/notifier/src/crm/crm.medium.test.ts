import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindingsOfQueue, buildMessage, EVENTS_EXCHANGE, type MessageOf, queueTopology } from '@genlake/contracts';
import { type CrmStats, type CrmStub, startCrmStub } from '@genlake/crm-stub';
import { type MailStub, startMailStub } from '@genlake/mail-stub';
import { publishEvent, ServiceProcess, setupTestServices, type TestServices, waitFor } from '@genlake/testing';
import postgres from 'postgres';
import { Connection, type Publisher } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFIER_CRM_QUEUE } from './crm.consumer';

const TOKEN = 'test-token';
const BACKLOG = Number(process.env.NOTIFIER_TEST_BACKLOG ?? 3_000);
const OPERATOR = 'ops@example.com';

type Published = MessageOf<'batch.completed'> | MessageOf<'user.registered'>;

function completed(ownerId: string, i: number): MessageOf<'batch.completed'> {
  return buildMessage(
    'batch.completed',
    {
      batchId: randomUUID(),
      datasetId: randomUUID(),
      dataset: 'notify',
      ownerId,
      number: 1 + i,
      processedGenerationId: randomUUID(),
      correctedGenerationId: randomUUID(),
      recordCount: 10 + i,
      corrections: i % 3,
      completedAt: new Date().toISOString(),
    },
    { correlationId: `notifier-test-${i}` },
  );
}

function registered(userId: string): MessageOf<'user.registered'> {
  const now = new Date();
  return buildMessage(
    'user.registered',
    {
      userId,
      email: `user-${userId.slice(0, 8)}@example.com`,
      registeredAt: now.toISOString(),
      confirmationUrl: `http://localhost:8080/api/auth/confirm?token=${randomUUID()}`,
      confirmationExpiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
    },
    { correlationId: `register-${userId}` },
  );
}

describe('notifier: 3 replicas against the rate-limited CRM stub', () => {
  let services: TestServices;
  let stub: CrmStub;
  let mail: MailStub;
  let sql: postgres.Sql;
  let connection: Connection;
  let publisher: Publisher;
  let logDir: string;
  const replicas: ServiceProcess[] = [];

  async function control(mode: string, delayMs?: number) {
    const res = await fetch(`${stub.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode, delayMs }),
    });
    expect(res.status).toBe(200);
  }
  async function stats(): Promise<CrmStats> {
    return (await (await fetch(`${stub.url}/_stats`)).json()) as CrmStats;
  }
  function keysOf(s: CrmStats): Set<string> {
    return new Set(s.events.map((e) => e.idempotencyKey ?? ''));
  }
  async function deadLetterCount(): Promise<number> {
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from dead_letters`;
    return row.n;
  }
  const publish = (message: Published) => publishEvent(publisher, message);

  async function publishCompleted(count: number, owner: (i: number) => string): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 250) {
      const sends: Promise<void>[] = [];
      for (let i = start; i < Math.min(count, start + 250); i++) {
        const message = completed(owner(i), i);
        ids.push(message.id);
        sends.push(publish(message));
      }
      await Promise.all(sends);
    }
    return ids;
  }

  beforeAll(async () => {
    services = await setupTestServices('notifier');
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    stub = await startCrmStub({ port: 0, token: TOKEN });
    mail = await startMailStub({ smtpPort: 0, httpPort: 0 });
    logDir = await mkdtemp(join(tmpdir(), 'genlake-notifier-'));
    connection = new Connection({ url: services.rabbitmqUrl, retryLow: 100, retryHigh: 1000 });
    publisher = connection.createPublisher({
      confirm: true,
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
    });
    // The queue exists before any replica: the backlog is waiting when they start. The same declaration as the
    // notifier's own (a difference would fail with PRECONDITION_FAILED).
    const crm = bindingsOfQueue(NOTIFIER_CRM_QUEUE);
    const [main] = queueTopology(crm.queue, crm.routingKeys, crm.retry, crm.queueOptions);
    await connection.exchangeDeclare({ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true });
    await connection.queueDeclare({ queue: main.name, durable: true, arguments: main.arguments });
    for (const binding of main.bindings) {
      await connection.queueBind({ queue: main.name, exchange: binding.exchange, routingKey: binding.routingKey });
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await publisher?.close();
    await connection?.close();
    await stub?.stop();
    await mail?.close();
    await sql?.end();
    await services?.cleanup();
  });

  it(`delivers a backlog of ${BACKLOG} once each, never 100 or more requests in a second`, async () => {
    const ids = await publishCompleted(BACKLOG, (i) => `owner-${i % 50}`);
    const env = {
      ...services.serviceEnv(),
      MIGRATE_ON_START: 'false',
      CRM_URL: stub.eventsUrl,
      CRM_TOKEN: TOKEN,
      CRM_BREAKER_RESET_MS: '2000',
      SMTP_HOST: mail.smtpHost,
      SMTP_PORT: String(mail.smtpPort),
      OPERATOR_EMAILS: OPERATOR,
      ALERT_INTERVAL_MS: '1000',
    };
    const started = await Promise.all(
      [1, 2, 3].map((n) => ServiceProcess.start('notifier', env, join(logDir, `r${n}`))),
    );
    replicas.push(...started);
    const s = await waitFor('all events', stats, (v) => v.accepted >= BACKLOG, 110_000);
    await sleep(500);
    const final = await stats();
    expect(final.accepted).toBe(BACKLOG);
    expect(keysOf(final)).toEqual(new Set(ids));
    expect(final.rejected429).toBe(0);
    expect(final.maxPerSecond).toBeLessThan(100);
    expect(s.unauthorized).toBe(0);
    const event = final.events[0].body as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(
      ['batchId', 'completedAt', 'corrections', 'dataset', 'ownerId', 'recordCount', 'type'].sort(),
    );
    expect(event.type).toBe('batch.completed');
    expect(await deadLetterCount()).toBe(0);
  }, 120_000);

  it('rides out a CRM outage of a minute: every event arrives once afterwards, in order per user, nothing dead', async () => {
    stub.reset();
    await control('fail');
    // Ten users, each with user.registered and then four completed batches, published one user after another
    // (round robin), between 200 other completed batches; the first half before, the second half during the outage.
    const users = Array.from({ length: 10 }, () => randomUUID());
    const order = new Map<string, string[]>(users.map((u) => [u, []]));
    async function publishStep(step: number) {
      for (const user of users) {
        const message = step === 0 ? registered(user) : completed(user, step);
        order.get(user)?.push(message.id);
        await publish(message);
      }
    }
    const bulk: string[] = [];
    for (const step of [0, 1, 2]) {
      await publishStep(step);
      bulk.push(...(await publishCompleted(40, (i) => `bulk-${i % 7}`)));
    }
    // Longer than the 1 s + 5 s of retries a message has: only holding (breaker open) carries it through.
    await sleep(30_000);
    for (const step of [3, 4]) {
      await publishStep(step);
      bulk.push(...(await publishCompleted(40, (i) => `bulk-${i % 7}`)));
    }
    await sleep(30_000);
    const during = await stats();
    expect(during.accepted).toBe(0);
    expect(during.received).toBeGreaterThan(0);
    await control('ok');
    const total = users.length * 5 + bulk.length;
    const s = await waitFor(`${total} events after the outage`, stats, (v) => v.accepted >= total, 60_000);
    await sleep(1_000);
    const final = await stats();
    expect(final.accepted).toBe(total);
    expect(keysOf(final)).toEqual(new Set([...bulk, ...[...order.values()].flat()]));
    expect(final.rejected429).toBe(0);
    expect(final.maxPerSecond).toBeLessThan(100);
    expect(s.unauthorized).toBe(0);
    // Per user, the CRM saw the events in the order they were published.
    const seen = new Map<string, string[]>();
    for (const event of stub.events()) {
      const body = event.body as { type: string; userId?: string; ownerId?: string };
      const user = body.type === 'user.registered' ? body.userId : body.ownerId;
      if (user && order.has(user)) seen.set(user, [...(seen.get(user) ?? []), event.idempotencyKey ?? '']);
    }
    for (const user of users) expect(seen.get(user), user).toEqual(order.get(user));
    const first = stub.events().find((e) => (e.body as { type: string }).type === 'user.registered');
    expect(Object.keys(first?.body as object).sort()).toEqual(['email', 'registeredAt', 'type', 'userId']);
    expect(await deadLetterCount()).toBe(0);
  }, 180_000);

  it('keeps an event the CRM refuses (400) as a dead letter at once, counts it and tells the operators', async () => {
    stub.reset();
    await control('reject');
    const message = completed('owner-refused', 1);
    await publish(message);
    const [row] = await waitFor(
      'the dead letter',
      () => sql<Array<Record<string, unknown>>>`select * from dead_letters where message_id = ${message.id}`,
      (rows) => rows.length === 1 && rows[0].alerted_at !== null,
      20_000,
    );
    expect(row).toMatchObject({
      queue: 'notifier.crm',
      message_type: 'batch.completed',
      correlation_id: message.correlationId,
      attempts: 1,
    });
    expect(String(row.reason)).toContain('400');
    expect(JSON.parse(String(row.body))).toEqual(message);
    expect((row.headers as Record<string, unknown>)['x-genlake-dead-id']).toBe(row.id);
    const s = await stats();
    expect(s.rejected400).toBe(1);
    expect(s.accepted).toBe(0);
    // One replica stored it and counted it.
    let counted = 0;
    for (const replica of replicas) {
      const metrics = await (await fetch(`${replica.url}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith('genlake_dead_letters_total{') && l.includes('queue="notifier.crm"'));
      counted += line ? Number(line.split(' ').at(-1)) : 0;
    }
    expect(counted).toBe(1);
    // The operators' digest names it and says how to replay it.
    const [digest] = mail.messagesTo(OPERATOR);
    expect(digest.Subject).toMatch(/1 new dead letter/);
    expect(digest.Text).toContain(String(row.id));
    expect(digest.Text).toContain('npm run dead-letters -- list');
    expect(digest.Text).toContain('GET /api/dead-letters');
    await control('ok');
  }, 30_000);

  it('hands over to a standby when the active replica is killed: nothing lost, the limit kept', async () => {
    stub.reset();
    await control('ok');
    const okCount = async (replica: ServiceProcess): Promise<number> => {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('genlake_messages_total{') && l.includes('queue="notifier.crm"') && l.includes('outcome="ok"'),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await Promise.all(replicas.map(okCount));
    const ids = await publishCompleted(600, (i) => `failover-${i % 20}`);
    await waitFor('a third of the events', stats, (v) => v.accepted >= 200, 30_000);
    // The active replica is the one whose CRM deliveries grow (the queue has a single active consumer).
    const grown = (await Promise.all(replicas.map(okCount))).map((n, i) => n - before[i]);
    const active = grown.indexOf(Math.max(...grown));
    expect(grown.filter((n) => n > 0)).toHaveLength(1);
    await replicas[active].kill();
    const s = await waitFor('every event after the hand-over', stats, (v) => v.accepted >= 600, 60_000);
    await sleep(500);
    const final = await stats();
    // In flight at the kill, an event may be sent twice: the CRM's idempotency key makes that harmless.
    expect(keysOf(final)).toEqual(new Set(ids));
    expect(final.accepted).toBe(600);
    // At most the calls in flight at the kill (NOTIFIER_CONCURRENCY, 8 by default) reach the CRM a second time.
    expect(final.duplicates).toBeLessThanOrEqual(8);
    expect(final.rejected429).toBe(0);
    expect(final.maxPerSecond).toBeLessThan(100);
    expect(s.unauthorized).toBe(0);
    const after = await Promise.all(replicas.map((r, i) => (i === active ? Promise.resolve(0) : okCount(r))));
    expect(
      after.some((n, i) => i !== active && n > before[i]),
      'a standby took over',
    ).toBe(true);
    expect(await deadLetterCount()).toBe(1); // the refused one of the test before
  }, 120_000);
});

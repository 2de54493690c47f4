import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage, CATALOG, deadQueueName, EVENTS_EXCHANGE, HEADERS, queueTopology } from '@genlake/contracts';
import { type CrmStats, type CrmStub, startCrmStub } from '@genlake/crm-stub';
import { queueDepth, ServiceProcess, setupTestServices, type TestServices } from '@genlake/testing';
import { Connection, type Publisher } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFIER_BATCH_COMPLETED_QUEUE } from './batch-completed.consumer';

const TOKEN = 'test-token';
const BACKLOG = Number(process.env.NOTIFIER_TEST_BACKLOG ?? 3_000);

describe('notifier: 3 replicas against the rate-limited CRM stub', () => {
  let services: TestServices;
  let stub: CrmStub;
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
  async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
      await sleep(250);
      last = await read();
    }
    return last;
  }
  function keysOf(s: CrmStats): Set<string> {
    return new Set(s.events.map((e) => e.idempotencyKey ?? ''));
  }

  async function publishCompleted(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 250) {
      const sends: Promise<void>[] = [];
      for (let i = start; i < Math.min(count, start + 250); i++) {
        const message = buildMessage(
          'batch.completed',
          {
            batchId: randomUUID(),
            datasetId: randomUUID(),
            dataset: 'notify',
            ownerId: 'owner-1',
            number: 1,
            processedGenerationId: randomUUID(),
            correctedGenerationId: randomUUID(),
            recordCount: 10 + i,
            corrections: i % 3,
            completedAt: new Date().toISOString(),
          },
          { correlationId: `notifier-test-${i}` },
        );
        ids.push(message.id);
        sends.push(
          publisher.send(
            {
              exchange: EVENTS_EXCHANGE,
              routingKey: 'batch.completed',
              messageId: message.id,
              correlationId: message.correlationId,
              contentType: 'application/json',
              durable: true,
            },
            message,
          ),
        );
      }
      await Promise.all(sends);
    }
    return ids;
  }

  beforeAll(async () => {
    services = await setupTestServices('notifier');
    stub = await startCrmStub({ port: 0, token: TOKEN });
    logDir = await mkdtemp(join(tmpdir(), 'genlake-notifier-'));
    connection = new Connection({ url: services.rabbitmqUrl, retryLow: 100, retryHigh: 1000 });
    publisher = connection.createPublisher({
      confirm: true,
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
    });
    // The queue exists before any replica: the backlog is waiting when they start. The same arguments as the
    // notifier's own declaration (a difference would fail with PRECONDITION_FAILED).
    await connection.exchangeDeclare({ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true });
    await connection.queueDeclare({
      queue: NOTIFIER_BATCH_COMPLETED_QUEUE,
      durable: true,
      arguments: queueTopology(NOTIFIER_BATCH_COMPLETED_QUEUE, 'batch.completed', CATALOG['batch.completed'].retry, {
        singleActiveConsumer: true,
      })[0].arguments,
    });
    await connection.queueBind({
      queue: NOTIFIER_BATCH_COMPLETED_QUEUE,
      exchange: EVENTS_EXCHANGE,
      routingKey: 'batch.completed',
    });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await publisher?.close();
    await connection?.close();
    await stub?.stop();
    await services?.cleanup();
  });

  it(`delivers a backlog of ${BACKLOG} once each, never 100 or more requests in a second`, async () => {
    const ids = await publishCompleted(BACKLOG);
    const env = {
      ...services.serviceEnv(),
      MIGRATE_ON_START: 'false',
      CRM_URL: stub.eventsUrl,
      CRM_TOKEN: TOKEN,
      CRM_BREAKER_RESET_MS: '2000',
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
    expect(await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(NOTIFIER_BATCH_COMPLETED_QUEUE))).toBe(
      0,
    );
  }, 120_000);

  it('rides out a CRM outage of a minute: every event arrives once afterwards, nothing dead-lettered', async () => {
    await fetch(`${stub.url}/_reset`, { method: 'POST' });
    await control('fail');
    const ids = await publishCompleted(200);
    // Longer than the 1 s + 5 s of retries a message has: only deferral (breaker open) carries it through.
    await sleep(60_000);
    const during = await stats();
    expect(during.accepted).toBe(0);
    expect(during.received).toBeGreaterThan(0);
    await control('ok');
    const s = await waitFor('200 events after the outage', stats, (v) => v.accepted >= 200, 40_000);
    expect(keysOf(s)).toEqual(new Set(ids));
    expect(s.accepted).toBe(200);
    expect(s.rejected429).toBe(0);
    expect(s.maxPerSecond).toBeLessThan(100);
    expect(await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(NOTIFIER_BATCH_COMPLETED_QUEUE))).toBe(
      0,
    );
  }, 150_000);

  it('dead-letters an event the CRM refuses (400) at once, with the reason', async () => {
    await fetch(`${stub.url}/_reset`, { method: 'POST' });
    await control('reject');
    const [id] = await publishCompleted(1);
    const dead = deadQueueName(NOTIFIER_BATCH_COMPLETED_QUEUE);
    await waitFor(
      'the dead letter',
      () => queueDepth(services.rabbitmqUrl, services.vhost, dead),
      (n) => n >= 1,
      20_000,
    );
    const msg = await connection.basicGet({ queue: dead, noAck: true });
    expect(msg?.messageId).toBe(id);
    expect(String(msg?.headers?.[HEADERS.reason])).toContain('400');
    expect(Number(msg?.headers?.[HEADERS.attempt])).toBe(1);
    const s = await stats();
    expect(s.rejected400).toBe(1);
    expect(s.accepted).toBe(0);
    await control('ok');
  }, 30_000);
});

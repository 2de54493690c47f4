import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BatchAcceptedV1,
  type BatchCompletedV1,
  buildMessage,
  deadQueueName,
  EVENTS_EXCHANGE,
  type GenerationProducedV1,
  HEADERS,
} from '@genlake/contracts';
import { queueDepth, setupTestServices, type TestServices } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import { Metrics } from '../observability/metrics';
import { Broker } from './broker';
import { type ConsumerDefinition, MessageConsumer, REASON_HEADER } from './consumer';
import { DeferError, PermanentError, RequeueError } from './errors';

const QUEUE = 'processor.batch-accepted';
const logger = createLogger('test', 'silent');

function accepted(batchId: string = randomUUID()): BatchAcceptedV1 {
  return buildMessage(
    'batch.accepted',
    {
      batchId,
      datasetId: randomUUID(),
      dataset: 'kit-test',
      ownerId: 'public',
      recordCount: 1,
      options: { complexity: 1 },
      payload: { kind: 'inline' },
    },
    { correlationId: 'kit-test' },
  );
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error('condition not met in time');
}

describe('MessageConsumer against RabbitMQ', () => {
  let services: TestServices;
  let broker: Broker;
  const metrics = new Metrics('test');

  beforeAll(async () => {
    services = await setupTestServices('kit');
    broker = new Broker(services.rabbitmqUrl, logger, 'kit-test');
    await broker.waitReady(10_000);
  });

  afterAll(async () => {
    await broker?.close();
    await services?.cleanup();
  });

  function consumer(handle: ConsumerDefinition<BatchAcceptedV1>['handle'], delays = [100, 200]) {
    return new MessageConsumer<BatchAcceptedV1>(
      {
        name: 'test',
        queue: QUEUE,
        messageTypes: ['batch.accepted'],
        routingKeys: ['batch.accepted'],
        retry: { maxAttempts: 3, delaysMs: delays },
        concurrency: 2,
        prefetch: 4,
        maxDeferrals: 3,
        handle,
      },
      broker,
      logger,
      metrics,
    );
  }

  async function readDeadLetters(queue = QUEUE): Promise<Array<{ reason: string; body: unknown; deadId: string }>> {
    const out: Array<{ reason: string; body: unknown; deadId: string }> = [];
    const ch = await broker.connection.acquire();
    try {
      for (;;) {
        const msg = await ch.basicGet({ queue: deadQueueName(queue), noAck: true });
        if (!msg) break;
        out.push({
          reason: String(msg.headers?.[REASON_HEADER]),
          body: msg.body,
          deadId: String(msg.headers?.[HEADERS.deadId]),
        });
      }
    } finally {
      await ch.close();
    }
    return out;
  }

  it('retries a failing message through the delay queues, then succeeds', async () => {
    const attempts: number[] = [];
    const c = consumer(async (_m, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error('transient');
    });
    await c.start();
    const msg = accepted();
    await broker.publish({ exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: msg.id }, msg);
    await waitFor(() => attempts.length === 3);
    await c.close();
    expect(attempts).toEqual([1, 2, 3]);
    expect(await readDeadLetters()).toEqual([]);
  });

  it('dead-letters after the last attempt, with the reason', async () => {
    let calls = 0;
    const c = consumer(async () => {
      calls++;
      throw new Error('always broken');
    });
    await c.start();
    const msg = accepted();
    await broker.publish({ exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: msg.id }, msg);
    await waitFor(async () => (await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(QUEUE))) === 1);
    await c.close();
    expect(calls).toBe(3);
    const dead = await readDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0].reason).toContain('failed 3 times; last error: always broken');
    expect((dead[0].body as { id: string }).id).toBe(msg.id);
    // Every dead letter gets its own id (the key of the notifier's dead_letters row).
    expect(dead[0].deadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('dead-letters a message that breaks its contract at once, without calling the handler', async () => {
    let calls = 0;
    const c = consumer(async () => {
      calls++;
    });
    await c.start();
    await broker.publish(
      { exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: randomUUID() },
      { id: 'not-a-uuid', type: 'batch.accepted', version: 1, data: {} },
    );
    await waitFor(async () => (await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(QUEUE))) === 1);
    await c.close();
    expect(calls).toBe(0);
    const [dead] = await readDeadLetters();
    expect(dead.reason).toMatch(/does not match its contract/);
  });

  it('dead-letters a PermanentError at once and defers a DeferError without spending attempts', async () => {
    const seen: Array<{ kind: string; attempt: number }> = [];
    const c = consumer(async (m, ctx) => {
      seen.push({ kind: m.data.dataset, attempt: ctx.attempt });
      if (m.data.batchId.startsWith('0')) throw new PermanentError('cannot ever work');
      throw new DeferError('not yet', 100);
    });
    await c.start();
    const permanent = accepted(`0${randomUUID().slice(1)}`);
    const deferred = accepted(`1${randomUUID().slice(1)}`);
    for (const m of [permanent, deferred]) {
      await broker.publish({ exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: m.id }, m);
    }
    await waitFor(async () => (await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(QUEUE))) === 2);
    await c.close();
    const dead = await readDeadLetters();
    expect(dead.map((d) => d.reason).sort()).toEqual(['cannot ever work', 'deferred too often: not yet']);
    // 1 permanent call + 1 first call and 3 deferrals of the deferred message, all on attempt 1.
    expect(seen.filter((s) => s.attempt !== 1)).toEqual([]);
    expect(seen.length).toBe(5);
  });

  it('finishes in-flight messages before close() returns', async () => {
    let started = 0;
    let finished = 0;
    const c = consumer(async () => {
      started++;
      await sleep(500);
      finished++;
    });
    await c.start();
    const msg = accepted();
    await broker.publish({ exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: msg.id }, msg);
    await waitFor(() => started === 1);
    expect(finished).toBe(0);
    await c.close();
    expect(finished).toBe(1);
    expect(await queueDepth(services.rabbitmqUrl, services.vhost, QUEUE)).toBe(0);
  });

  it('consumes a queue bound to two message types, and dead-letters a type it does not take', async () => {
    // Routing keys no other test here publishes, so the queues of the tests do not share messages.
    const queue = 'kit.two-types';
    const seen: string[] = [];
    const c = new MessageConsumer<GenerationProducedV1 | BatchCompletedV1>(
      {
        name: 'two-types',
        queue,
        messageTypes: ['generation.produced', 'batch.completed'],
        routingKeys: ['generation.produced', 'batch.completed'],
        retry: { maxAttempts: 2, delaysMs: [100] },
        concurrency: 1,
        prefetch: 2,
        handle: async (m) => {
          seen.push(`${m.type}:${m.data.batchId}`);
        },
      },
      broker,
      logger,
      metrics,
    );
    await c.start();
    const produced = buildMessage(
      'generation.produced',
      {
        generationId: randomUUID(),
        batchId: randomUUID(),
        datasetId: randomUUID(),
        dataset: 'kit-test',
        number: 1,
        stage: 'processed',
        partitionDate: '2026-01-01',
        schemaVersion: 1,
        tables: { records: { rows: 1, files: 1 } },
      },
      { correlationId: 'kit-test' },
    );
    const completed = buildMessage(
      'batch.completed',
      {
        batchId: randomUUID(),
        datasetId: randomUUID(),
        dataset: 'kit-test',
        ownerId: 'public',
        number: 1,
        processedGenerationId: randomUUID(),
        correctedGenerationId: randomUUID(),
        recordCount: 1,
        corrections: 0,
        completedAt: new Date().toISOString(),
      },
      { correlationId: 'kit-test' },
    );
    await broker.publish(
      { exchange: EVENTS_EXCHANGE, routingKey: 'generation.produced', messageId: produced.id },
      produced,
    );
    await broker.publish(
      { exchange: EVENTS_EXCHANGE, routingKey: 'batch.completed', messageId: completed.id },
      completed,
    );
    // A message of a third type that reaches the queue anyway (published to it directly) is refused.
    const other = accepted();
    await broker.publish({ exchange: '', routingKey: queue, messageId: other.id }, other);
    await waitFor(async () => (await queueDepth(services.rabbitmqUrl, services.vhost, deadQueueName(queue))) === 1);
    await waitFor(() => seen.length === 2);
    await c.close();
    expect(seen).toEqual([`generation.produced:${produced.data.batchId}`, `batch.completed:${completed.data.batchId}`]);
    const [dead] = await readDeadLetters(queue);
    expect(dead.reason).toBe('queue kit.two-types takes generation.produced, batch.completed, not batch.accepted');
    expect(await queueDepth(services.rabbitmqUrl, services.vhost, queue)).toBe(0);
  });

  it('hands a message back to its queue on RequeueError, without spending an attempt', async () => {
    const seen: Array<{ id: string; attempt: number }> = [];
    const c = consumer(async (m, ctx) => {
      seen.push({ id: m.id, attempt: ctx.attempt });
      if (seen.length === 1) throw new RequeueError('stopping');
    });
    await c.start();
    const msg = accepted();
    await broker.publish({ exchange: EVENTS_EXCHANGE, routingKey: 'batch.accepted', messageId: msg.id }, msg);
    await waitFor(() => seen.length === 2);
    await c.close();
    expect(seen).toEqual([
      { id: msg.id, attempt: 1 },
      { id: msg.id, attempt: 1 },
    ]);
    expect(await readDeadLetters()).toEqual([]);
  });
});

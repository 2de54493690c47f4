import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  bindingsOfQueue,
  CATALOG,
  consumerQueues,
  DEAD_EXCHANGE,
  DEFAULT_RETRY,
  DELIVERY_LIMIT,
  deadQueueName,
  delayQueueName,
  EVENTS_EXCHANGE,
  HEADERS,
  MESSAGE_TYPES,
  NOTIFICATION_RETRY,
  nextRetry,
  QUEUES,
  queueTopology,
  RETRY_EXCHANGE,
  schemaIdOf,
} from './catalog';
import { getSchema, hasSchema } from './validator';

const PACKAGE_DIR = join(__dirname, '..');

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document
type Doc = any;
const asyncapi: Doc = parse(readFileSync(join(PACKAGE_DIR, 'asyncapi.yaml'), 'utf8'));

/** Resolves a local `$ref` (`#/a/b`) of the AsyncAPI document; other values are returned as they are. */
function deref(node: Doc): Doc {
  if (node && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    const path = node.$ref
      .slice(2)
      .split('/')
      .map((part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    return deref(path.reduce((value: Doc, key: string) => value?.[key], asyncapi));
  }
  return node;
}

const channels = Object.values(asyncapi.channels).map(deref) as Doc[];
const operations = Object.values(asyncapi.operations).map(deref) as Doc[];
const messageNames = (channel: Doc): string[] => Object.values(channel.messages ?? {}).map((m) => deref(m).name);
const serviceOf = (operation: Doc): string[] => (operation.tags ?? []).map((tag: Doc) => deref(tag).name);
const queues = () => consumerQueues().map(bindingsOfQueue);

describe('catalog', () => {
  it('lists every message with its routing key, schema and retry schedule', () => {
    expect(MESSAGE_TYPES).toEqual([
      'batch.accepted',
      'generation.produced',
      'batch.completed',
      'user.registered',
      'user.confirmation-requested',
      'user.registration-attempted',
    ]);
    for (const entry of Object.values(CATALOG)) {
      expect(entry.routingKey).toBe(entry.type);
      expect(entry.exchange).toBe('genlake.events');
      expect(entry.schemaId).toBe(`https://genlake.dev/schemas/${entry.type}.v${entry.version}.schema.json`);
      expect(hasSchema(`${entry.type}.v${entry.version}`)).toBe(true);
      expect(getSchema(`${entry.type}.v${entry.version}`).$id).toBe(entry.schemaId);
      // Notifications: 3 attempts, then the dead letters (and an operator is told).
      expect(entry.retry).toEqual(
        entry.consumers.every((c) => c.service === 'notifier')
          ? { maxAttempts: 3, delaysMs: [1000, 5000] }
          : { maxAttempts: 5, delaysMs: [1000, 5000, 30000, 120000] },
      );
      expect(entry.retry.delaysMs).toHaveLength(entry.retry.maxAttempts - 1);
    }
    expect(CATALOG['batch.accepted']).toMatchObject({
      producer: 'gateway',
      consumers: [{ service: 'processor', queue: 'processor.batch-accepted' }],
    });
    expect(CATALOG['generation.produced']).toMatchObject({
      producer: 'processor',
      consumers: [{ service: 'corrector', queue: 'corrector.generation-produced' }],
    });
    expect(CATALOG['batch.completed']).toMatchObject({
      producer: 'corrector',
      consumers: [
        { service: 'notifier', queue: 'notifier.crm', queueOptions: { singleActiveConsumer: true } },
        { service: 'notifier', queue: 'notifier.mail' },
      ],
      plannedConsumers: [],
    });
    expect(CATALOG['user.registered']).toMatchObject({
      producer: 'gateway',
      consumers: [
        { service: 'notifier', queue: 'notifier.crm', queueOptions: { singleActiveConsumer: true } },
        { service: 'notifier', queue: 'notifier.mail' },
      ],
    });
    expect(CATALOG['user.confirmation-requested']).toMatchObject({
      producer: 'gateway',
      consumers: [{ service: 'notifier', queue: 'notifier.mail' }],
    });
    expect(CATALOG['user.registration-attempted']).toMatchObject({
      producer: 'gateway',
      consumers: [{ service: 'notifier', queue: 'notifier.mail' }],
    });
  });

  it('gathers the message types of a queue bound to several of them', () => {
    expect(consumerQueues()).toEqual([
      'processor.batch-accepted',
      'corrector.generation-produced',
      'notifier.crm',
      'notifier.mail',
    ]);
    expect(bindingsOfQueue(QUEUES.notifierCrm)).toEqual({
      queue: 'notifier.crm',
      service: 'notifier',
      messageTypes: ['batch.completed', 'user.registered'],
      routingKeys: ['batch.completed', 'user.registered'],
      queueOptions: { singleActiveConsumer: true },
      retry: NOTIFICATION_RETRY,
    });
    expect(bindingsOfQueue(QUEUES.notifierMail)).toEqual({
      queue: 'notifier.mail',
      service: 'notifier',
      messageTypes: [
        'batch.completed',
        'user.registered',
        'user.confirmation-requested',
        'user.registration-attempted',
      ],
      routingKeys: ['batch.completed', 'user.registered', 'user.confirmation-requested', 'user.registration-attempted'],
      queueOptions: {},
      retry: NOTIFICATION_RETRY,
    });
    expect(bindingsOfQueue(QUEUES.processorBatchAccepted)).toMatchObject({
      messageTypes: ['batch.accepted'],
      routingKeys: ['batch.accepted'],
      retry: DEFAULT_RETRY,
    });
    expect(() => bindingsOfQueue('nobody.listens')).toThrow(/no catalog entry/);
  });

  it('has every entry that lists a queue agree on its service, options and retry policy', () => {
    for (const queue of consumerQueues()) {
      const listings = Object.values(CATALOG).flatMap((entry) =>
        entry.consumers.filter((c) => c.queue === queue).map((c) => ({ entry, binding: c })),
      );
      expect(listings.length, queue).toBeGreaterThanOrEqual(1);
      for (const { entry, binding } of listings) {
        expect(binding.service, `${entry.type} → ${queue}`).toBe(listings[0].binding.service);
        expect(binding.queueOptions ?? {}, `${entry.type} → ${queue}`).toEqual(listings[0].binding.queueOptions ?? {});
        expect(entry.retry, `${entry.type} → ${queue}`).toEqual(listings[0].entry.retry);
        // A message type reaches a queue once.
        expect(
          entry.consumers.filter((c) => c.queue === queue),
          entry.type,
        ).toHaveLength(1);
      }
      expect(() => bindingsOfQueue(queue)).not.toThrow();
    }
  });

  it('defines the topology constants and names', () => {
    expect([EVENTS_EXCHANGE, RETRY_EXCHANGE, DEAD_EXCHANGE]).toEqual([
      'genlake.events',
      'genlake.retry',
      'genlake.dead',
    ]);
    expect(QUEUES).toEqual({
      processorBatchAccepted: 'processor.batch-accepted',
      correctorGenerationProduced: 'corrector.generation-produced',
      notifierCrm: 'notifier.crm',
      notifierMail: 'notifier.mail',
    });
    expect(HEADERS).toEqual({
      attempt: 'x-genlake-attempt',
      reason: 'x-genlake-reason',
      queue: 'x-genlake-queue',
      correlationId: 'x-correlation-id',
      deadId: 'x-genlake-dead-id',
    });
    expect(delayQueueName(QUEUES.processorBatchAccepted, 5000)).toBe('processor.batch-accepted.delay.5000');
    expect(deadQueueName(QUEUES.processorBatchAccepted)).toBe('processor.batch-accepted.dead');
    expect(() => delayQueueName('q', 0)).toThrow(RangeError);
    expect(() => delayQueueName('q', 1.5)).toThrow(RangeError);
    expect(schemaIdOf('record.v1')).toBe('https://genlake.dev/schemas/record.v1.schema.json');
  });

  it('computes the retry schedule', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => nextRetry(attempt))).toEqual([
      { action: 'retry', nextAttempt: 2, delayMs: 1000 },
      { action: 'retry', nextAttempt: 3, delayMs: 5000 },
      { action: 'retry', nextAttempt: 4, delayMs: 30000 },
      { action: 'retry', nextAttempt: 5, delayMs: 120000 },
      { action: 'dead' },
    ]);
    expect(nextRetry(9)).toEqual({ action: 'dead' });
    expect(nextRetry(6, { maxAttempts: 10, delaysMs: [100, 200] })).toEqual({
      action: 'retry',
      nextAttempt: 7,
      delayMs: 200,
    });
  });

  it('declares the queues of a consumer', () => {
    const q = QUEUES.correctorGenerationProduced;
    expect(queueTopology(q, 'generation.produced')).toEqual([
      {
        name: q,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 10,
          'x-dead-letter-exchange': 'genlake.dead',
          'x-dead-letter-routing-key': q,
        },
        bindings: [{ exchange: 'genlake.events', routingKey: 'generation.produced' }],
      },
      ...[1000, 5000, 30000, 120000].map((ms) => ({
        name: `${q}.delay.${ms}`,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': ms,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': q,
        },
        bindings: [{ exchange: 'genlake.retry', routingKey: `${q}.delay.${ms}` }],
      })),
      {
        name: `${q}.dead`,
        arguments: { 'x-queue-type': 'quorum' },
        bindings: [{ exchange: 'genlake.dead', routingKey: q }],
      },
    ]);
  });

  it('binds a queue that takes several message types once per routing key', () => {
    const [main, ...rest] = queueTopology(
      QUEUES.notifierCrm,
      ['batch.completed', 'user.registered', 'batch.completed'],
      NOTIFICATION_RETRY,
      { singleActiveConsumer: true },
    );
    expect(main.bindings).toEqual([
      { exchange: 'genlake.events', routingKey: 'batch.completed' },
      { exchange: 'genlake.events', routingKey: 'user.registered' },
    ]);
    expect(main.arguments['x-single-active-consumer']).toBe(true);
    expect(rest.map((q) => q.name)).toEqual([
      'notifier.crm.delay.1000',
      'notifier.crm.delay.5000',
      'notifier.crm.dead',
    ]);
    expect(() => queueTopology('q', [])).toThrow(RangeError);
  });
});

describe('asyncapi.yaml agrees with the catalog', () => {
  it('is an AsyncAPI 3.0.0 document with a local and a production server', () => {
    expect(asyncapi.asyncapi).toBe('3.0.0');
    expect(asyncapi.servers.local).toMatchObject({ host: 'localhost:5672', protocol: 'amqp' });
    expect(asyncapi.servers.production).toMatchObject({ protocol: 'amqps' });
    expect(asyncapi.defaultContentType).toBe('application/json');
  });

  it('describes the reliability topology with the catalog values', () => {
    const text: string = asyncapi.info.description;
    for (const fragment of [
      'x-delivery-limit: 10',
      `x-dead-letter-exchange: ${DEAD_EXCHANGE}`,
      'x-dead-letter-routing-key: Q',
      RETRY_EXCHANGE,
      'Q.delay.<ms>',
      'x-message-ttl: <ms>',
      '`x-dead-letter-exchange: ""`',
      'x-genlake-attempt',
      'x-genlake-reason',
      'x-genlake-queue',
      'x-genlake-dead-id',
      'x-correlation-id',
      '`Q.dead`',
      'publisher confirms',
      'idempotent by message id',
      `\`maxAttempts\` ${DEFAULT_RETRY.maxAttempts}`,
      DEFAULT_RETRY.delaysMs.join(', '),
      'quorum',
    ]) {
      expect(text, fragment).toContain(fragment);
    }
    expect(DELIVERY_LIMIT).toBe(10);
  });

  it('has a message for every catalog entry, with the schema file of its $id', () => {
    const messages = Object.values(asyncapi.components.messages).map(deref) as Doc[];
    expect(messages.map((m) => m.name).sort()).toEqual([...MESSAGE_TYPES].sort());
    for (const message of messages) {
      const entry = CATALOG[message.name as keyof typeof CATALOG];
      const ref: string = message.payload.schema.$ref;
      expect(ref).toBe(`./schemas/${entry.type}.v${entry.version}.schema.json`);
      expect(existsSync(join(PACKAGE_DIR, ref))).toBe(true);
      expect(JSON.parse(readFileSync(join(PACKAGE_DIR, ref), 'utf8')).$id).toBe(entry.schemaId);
      expect(message.contentType).toBe('application/json');
      expect(message.bindings.amqp.messageType).toBe(entry.type);
    }
  });

  it('has a channel on genlake.events for every routing key, and a send operation by the producer', () => {
    for (const entry of Object.values(CATALOG)) {
      const channel = channels.find((c) => c.address === entry.routingKey);
      expect(channel, entry.routingKey).toBeDefined();
      expect(deref(channel.bindings.amqp)).toMatchObject({
        is: 'routingKey',
        exchange: { name: EVENTS_EXCHANGE, type: 'topic', durable: true },
      });
      expect(messageNames(channel)).toEqual([entry.type]);
      const sends = operations.filter((op) => op.action === 'send' && deref(op.channel) === channel);
      expect(sends.map(serviceOf)).toEqual([[entry.producer]]);
      expect(channel['x-genlake-planned-consumers'] ?? []).toEqual(entry.plannedConsumers);
    }
  });

  it('has a queue channel and a receive operation for every consumer queue, with every message type bound to it', () => {
    for (const { service, queue, messageTypes, routingKeys, retry, queueOptions } of queues()) {
      const channel = channels.find((c) => c.address === queue);
      expect(channel, queue).toBeDefined();
      expect(channel.bindings.amqp).toMatchObject({ is: 'queue', queue: { name: queue, durable: true } });
      const [main] = queueTopology(queue, routingKeys, retry, queueOptions);
      expect(channel['x-genlake-bindings'], queue).toEqual(main.bindings);
      expect(channel['x-genlake-queue-arguments'], queue).toEqual(main.arguments);
      expect(messageNames(channel).sort(), queue).toEqual([...messageTypes].sort());
      const receives = operations.filter((op) => op.action === 'receive' && deref(op.channel) === channel);
      expect(receives.map(serviceOf)).toEqual([[service]]);
      expect(receives[0]['x-genlake-retry']).toEqual(retry);
      expect(receives[0].messages.map((m: Doc) => deref(m).name).sort(), queue).toEqual([...messageTypes].sort());
    }
  });

  it('has nothing the catalog does not know', () => {
    const known = new Set<string>([...MESSAGE_TYPES, ...queues().map((q) => q.queue)]);
    expect(channels.map((c) => c.address).filter((address) => !known.has(address))).toEqual([]);
    for (const operation of operations) {
      const channel = deref(operation.channel);
      if (operation.action === 'send') {
        const entry = Object.values(CATALOG).find((e) => e.routingKey === channel.address);
        expect(entry, operation.title).toBeDefined();
        expect(serviceOf(operation)).toEqual([entry?.producer]);
      } else {
        expect(consumerQueues(), operation.title).toContain(channel.address);
        expect(serviceOf(operation)).toEqual([bindingsOfQueue(channel.address).service]);
      }
      // Operation messages must be messages of the operation's channel.
      for (const message of operation.messages) expect(messageNames(channel)).toContain(deref(message).name);
    }
  });
});

describe('README.md', () => {
  it('has a registry row for every message', () => {
    const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
    for (const entry of Object.values(CATALOG)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${entry.type}\``));
      expect(row, entry.type).toBeDefined();
      const cells = row?.split('|').map((cell) => cell.trim()) ?? [];
      expect(cells.slice(1, 6)).toEqual([
        `\`${entry.type}\``,
        String(entry.version),
        `\`${entry.exchange}\``,
        `\`${entry.routingKey}\``,
        entry.producer,
      ]);
      for (const { service, queue } of entry.consumers) {
        expect(cells[6]).toContain(service);
        expect(cells[7]).toContain(queue);
      }
    }
  });
});

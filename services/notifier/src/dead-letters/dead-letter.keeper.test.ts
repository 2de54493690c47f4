import { describe, expect, it } from 'vitest';
import { deadLetterOf, deadLetterQueues } from './dead-letter.keeper';

const DEAD_ID = '7b0c1f52-8f0e-4b7e-9d3a-2c5e1a9b4f60';

describe('deadLetterOf', () => {
  it('keeps what the kit wrote on a dead letter, and the envelope facts', () => {
    const body = { id: 'a1', type: 'batch.completed', version: 1, correlationId: 'req-1', data: {} };
    const letter = deadLetterOf('notifier.crm.dead', {
      messageId: 'a1',
      body,
      headers: {
        'x-genlake-dead-id': DEAD_ID.toUpperCase(),
        'x-genlake-reason': 'CRM answered 400',
        'x-genlake-attempt': 2,
        'x-genlake-queue': 'notifier.crm',
        'x-correlation-id': 'req-1',
      },
    });
    expect(letter).toEqual({
      id: DEAD_ID,
      queue: 'notifier.crm',
      messageId: 'a1',
      messageType: 'batch.completed',
      correlationId: 'req-1',
      reason: 'CRM answered 400',
      attempts: 2,
      headers: expect.objectContaining({ 'x-genlake-reason': 'CRM answered 400' }),
      body: JSON.stringify(body),
    });
  });

  it('takes a message RabbitMQ dead-lettered itself, and a body that is not JSON', () => {
    const letter = deadLetterOf('processor.batch-accepted.dead', {
      messageId: undefined,
      body: Buffer.from('not json\u0000'),
      headers: {
        'x-first-death-reason': 'delivery_limit',
        'x-first-death-queue': 'processor.batch-accepted',
        'x-death': [{ count: 10, reason: 'delivery_limit', time: new Date(0), big: 12n }],
      },
    });
    expect(letter.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(letter).toMatchObject({
      queue: 'processor.batch-accepted',
      messageId: '',
      messageType: null,
      attempts: 1,
      body: 'not json\uFFFD',
    });
    expect(letter.reason).toMatch(/^dead-lettered by RabbitMQ \(delivery_limit\)/);
    expect(letter.headers['x-death']).toEqual([
      { count: 10, reason: 'delivery_limit', time: '1970-01-01T00:00:00.000Z', big: '12' },
    ]);
  });

  it('falls back to the name of the dead-letter queue', () => {
    expect(deadLetterOf('notifier.mail.dead', { messageId: 'x', body: 'text', headers: {} })).toMatchObject({
      queue: 'notifier.mail',
      reason: 'dead-lettered without a reason',
      body: 'text',
    });
  });
});

describe('deadLetterQueues', () => {
  it('covers the dead-letter queue of every consumer queue of the catalog', () => {
    expect(deadLetterQueues().map((q) => [q.name, q.bindings])).toEqual(
      ['processor.batch-accepted', 'corrector.generation-produced', 'notifier.crm', 'notifier.mail'].map((q) => [
        `${q}.dead`,
        [{ exchange: 'genlake.dead', routingKey: q }],
      ]),
    );
  });
});

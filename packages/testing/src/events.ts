import { EVENTS_EXCHANGE } from '@genlake/contracts';
import type { Publisher } from 'rabbitmq-client';

/** Publishes a contract message as the outbox relay does: events exchange, routing key = type, persistent. */
export function publishEvent(
  publisher: Publisher,
  message: { id: string; type: string; correlationId: string },
): Promise<void> {
  return publisher.send(
    {
      exchange: EVENTS_EXCHANGE,
      routingKey: message.type,
      messageId: message.id,
      correlationId: message.correlationId,
      contentType: 'application/json',
      durable: true,
    },
    message,
  );
}

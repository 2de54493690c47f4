import { createHttpApp, listen } from './http/create-app';
import { type ConsumerDefinition, MessageConsumer } from './messaging/consumer';
import type { ServiceRuntime } from './runtime';

/**
 * What every worker service does once its use case is built: serve health and metrics, run the
 * outbox relay, and consume its queue. Ready only once the consumer is subscribed; at shutdown the
 * consumer stops first and its in-flight messages finish.
 */
export async function startWorker<M>(runtime: ServiceRuntime, port: number, definition: ConsumerDefinition<M>) {
  const app = await createHttpApp(undefined, runtime);
  await listen(app, runtime, port);
  await runtime.startRelay();
  const consumer = new MessageConsumer(definition, runtime.broker, runtime.logger, runtime.metrics);
  runtime.onShutdown('consumer', () => consumer.close());
  runtime.addReadinessCheck({
    name: 'broker',
    check: async () => {
      if (!runtime.broker.ready) throw new Error('not connected');
      if (!consumer.started) throw new Error('consumer not subscribed yet');
    },
  });
  await consumer.start();
  return consumer;
}

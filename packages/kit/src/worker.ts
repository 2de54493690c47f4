import { createHttpApp, listen } from './http/create-app';
import { type ConsumerDefinition, MessageConsumer } from './messaging/consumer';
import type { ServiceRuntime } from './runtime';

/** Where a worker's health and metrics server listens (the PORT and HOST of its configuration). */
export interface ListenAddress {
  port: number;
  host: string;
}

/**
 * What every worker service does once its use case is built: serve health and metrics, run the
 * outbox relay, and consume its queues. Ready only once every consumer is subscribed; at shutdown the
 * consumers stop first and their in-flight messages finish.
 */
export async function startWorker<M>(
  runtime: ServiceRuntime,
  address: ListenAddress,
  definition: ConsumerDefinition<M>,
) {
  const [consumer] = await startWorkers(runtime, address, [definition]);
  return consumer as MessageConsumer<M>;
}

/** startWorker with several consumers (queues) in one process. */
export async function startWorkers(
  runtime: ServiceRuntime,
  address: ListenAddress,
  definitions: ReadonlyArray<ConsumerDefinition<never>>,
): Promise<MessageConsumer<never>[]> {
  const app = await createHttpApp(undefined, runtime);
  await listen(app, runtime, address.port, address.host);
  await runtime.startRelay();
  const consumers = definitions.map(
    (definition) => new MessageConsumer(definition, runtime.broker, runtime.logger, runtime.metrics),
  );
  runtime.onShutdown('consumers', async () => {
    await Promise.all(consumers.map((consumer) => consumer.close()));
  });
  runtime.addReadinessCheck({
    name: 'broker',
    check: async () => {
      if (!runtime.broker.ready) throw new Error('not connected');
      const waiting = definitions.filter((_, i) => !consumers[i].started).map((d) => d.queue);
      if (waiting.length) throw new Error(`consumer not subscribed yet: ${waiting.join(', ')}`);
    },
  });
  await Promise.all(consumers.map((consumer) => consumer.start()));
  return consumers;
}

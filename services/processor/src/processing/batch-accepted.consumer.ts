import { type BatchAcceptedV1, CATALOG, QUEUES } from '@genlake/contracts';
import type { ConsumerDefinition } from '@genlake/kit';
import type { ProcessorConfig } from '../config';
import { PROCESSOR_CONSUMER, type ProcessBatch } from './process-batch.use-case';

/** The processor's only consumer: a `batch.accepted` message becomes one ProcessBatch call. */
export function batchAcceptedConsumer(
  useCase: ProcessBatch,
  config: ProcessorConfig,
): ConsumerDefinition<BatchAcceptedV1> {
  const spec = CATALOG['batch.accepted'];
  return {
    name: PROCESSOR_CONSUMER,
    queue: QUEUES.processorBatchAccepted,
    messageTypes: [spec.type],
    routingKeys: [spec.routingKey],
    retry: spec.retry,
    concurrency: config.PROCESSOR_CONCURRENCY,
    prefetch: config.PROCESSOR_PREFETCH,
    handle: async (message, ctx) => {
      await useCase.execute(message, ctx.messageId);
    },
  };
}

import { type BatchAcceptedV1, QUEUES } from '@genlake/contracts';
import { type ConsumerDefinition, catalogConsumer } from '@genlake/kit';
import type { ProcessorConfig } from '../config';
import { PROCESSOR_CONSUMER, type ProcessBatch } from './process-batch.use-case';

/** The processor's only consumer: a `batch.accepted` message becomes one ProcessBatch call. */
export function batchAcceptedConsumer(
  useCase: ProcessBatch,
  config: ProcessorConfig,
): ConsumerDefinition<BatchAcceptedV1> {
  return catalogConsumer(QUEUES.processorBatchAccepted, {
    name: PROCESSOR_CONSUMER,
    concurrency: config.PROCESSOR_CONCURRENCY,
    prefetch: config.PROCESSOR_PREFETCH,
    handle: async (message, ctx) => {
      await useCase.execute(message, ctx.messageId);
    },
  });
}

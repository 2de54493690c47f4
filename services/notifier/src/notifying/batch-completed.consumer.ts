import { type BatchCompletedV1, CATALOG, QUEUES } from '@genlake/contracts';
import type { ConsumerDefinition } from '@genlake/kit';
import type { NotifierConfig } from '../config';
import type { NotifyCrm } from './notify-crm.use-case';

export const NOTIFIER_BATCH_COMPLETED_QUEUE = QUEUES.notifierBatchCompleted;
export const NOTIFIER_CONSUMER = 'notifier.batch-completed';

/**
 * A `batch.completed` message becomes one CRM event. The queue has a single active consumer (the
 * contracts say so), so one replica at a time calls the CRM; retries: 3 attempts, then the dead letters.
 */
export function batchCompletedConsumer(
  useCase: NotifyCrm,
  config: NotifierConfig,
): ConsumerDefinition<BatchCompletedV1> {
  const spec = CATALOG['batch.completed'];
  const binding = spec.consumers.find((c) => c.queue === NOTIFIER_BATCH_COMPLETED_QUEUE)!;
  return {
    name: NOTIFIER_CONSUMER,
    queue: binding.queue,
    messageType: spec.type,
    routingKey: spec.routingKey,
    retry: spec.retry,
    singleActiveConsumer: binding.queueOptions?.singleActiveConsumer,
    concurrency: config.NOTIFIER_CONCURRENCY,
    prefetch: config.NOTIFIER_PREFETCH,
    handle: async (message, ctx) => {
      await useCase.execute(message, ctx.messageId);
    },
  };
}

import { QUEUES } from '@genlake/contracts';
import { type ConsumerDefinition, catalogConsumer } from '@genlake/kit';
import type { NotifierConfig } from '../config';
import type { CrmMessage, NotifyCrm } from './notify-crm.use-case';

export const NOTIFIER_CRM_QUEUE = QUEUES.notifierCrm;
/** The consumer's name in logs and metrics. */
export const NOTIFIER_CRM_CONSUMER = NOTIFIER_CRM_QUEUE;

/**
 * Deferrals a CRM message may go through before it is dead-lettered. A message waiting behind an earlier one of
 * its user comes back every second, so this is about an hour and a quarter of waiting.
 */
export const CRM_MAX_DEFERRALS = 4_500;

/**
 * `user.registered` and `batch.completed` become CRM events. The queue has a single active consumer (the
 * contracts say so), so one replica at a time calls the CRM; retries: 3 attempts, then the dead letters.
 */
export function crmConsumer(useCase: NotifyCrm, config: NotifierConfig): ConsumerDefinition<CrmMessage> {
  return catalogConsumer(NOTIFIER_CRM_QUEUE, {
    name: NOTIFIER_CRM_CONSUMER,
    concurrency: config.NOTIFIER_CONCURRENCY,
    prefetch: config.NOTIFIER_PREFETCH,
    maxDeferrals: CRM_MAX_DEFERRALS,
    handle: (message, ctx) => useCase.execute(message, ctx),
  });
}

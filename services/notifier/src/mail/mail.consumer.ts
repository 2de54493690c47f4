import { QUEUES } from '@genlake/contracts';
import { type ConsumerDefinition, catalogConsumer } from '@genlake/kit';
import type { NotifierConfig } from '../config';
import type { MailTrigger, SendMail } from './send-mail.use-case';

export const NOTIFIER_MAIL_QUEUE = QUEUES.notifierMail;
/** The consumer's name in the inbox, logs and metrics. */
export const NOTIFIER_MAIL_CONSUMER = NOTIFIER_MAIL_QUEUE;

/**
 * Every message that may lead to an email. Any replica sends (an ordinary queue); retries: 3 attempts, then the
 * dead letters; a relay outage defers messages without spending attempts.
 */
export function mailConsumer(useCase: SendMail, config: NotifierConfig): ConsumerDefinition<MailTrigger> {
  return catalogConsumer(NOTIFIER_MAIL_QUEUE, {
    name: NOTIFIER_MAIL_CONSUMER,
    concurrency: config.MAIL_CONCURRENCY,
    prefetch: config.MAIL_PREFETCH,
    handle: (message, ctx) => useCase.execute(message, ctx.messageId),
  });
}

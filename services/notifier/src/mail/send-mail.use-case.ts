import type {
  BatchCompletedV1,
  UserConfirmationRequestedV1,
  UserRegisteredV1,
  UserRegistrationAttemptedV1,
} from '@genlake/contracts';
import { DeferError, type InboxRepository, type Logger, PermanentError, type Sql } from '@genlake/kit';
import { DownstreamBreaker, isOpenBreaker } from '../resilience/downstream.breaker';
import type { UserDirectory } from '../users/user.directory';
import { batchCompletedEmail, confirmationEmail, type MailContent, registrationAttemptEmail } from './mail.templates';
import type { MailMessage, SmtpMailer } from './smtp.mailer';

/** The messages that may lead to an email. */
export type MailTrigger =
  | UserRegisteredV1
  | UserConfirmationRequestedV1
  | UserRegistrationAttemptedV1
  | BatchCompletedV1;

export interface SendMailOptions {
  /** The inbox name of the consumer (idempotency across redeliveries). */
  consumer: string;
  publicBaseUrl: string;
  breakerResetMs: number;
  /** Relay failures in a row that count as an outage (at most maxAttempts are used). */
  outageFailures: number;
  /** The queue's attempts per message. */
  maxAttempts: number;
}

/** What one message leads to: an email, or nothing (and why, for the log). */
export type MailDecision = { send: MailContent & { to: string } } | { skip: string };

/**
 * Sends the emails the messages call for: the confirmation link (user.registered, user.confirmation-requested), the
 * warning to the owner of an address someone tried to register again (user.registration-attempted) and, for a
 * batch.completed whose owner asked for it and confirmed their address, a note with a link to the batch.
 *
 * Once per message: the message id goes to the inbox after the relay took the email, so a redelivery sends nothing.
 * A crash between the relay's answer and the inbox insert sends the email twice (at least once, never lost).
 *
 * Failures: a 5xx answer to the message is permanent (dead letters, the operators are told); a 4xx, a refused or
 * timed-out connection is retried through the delay queues; failures in a row (or an open breaker) are an outage of
 * the relay: the message waits (deferred) without spending an attempt, so a relay outage loses nothing.
 */
export class SendMail {
  readonly breaker: DownstreamBreaker<[MailMessage]>;

  constructor(
    mailer: SmtpMailer,
    private readonly users: UserDirectory,
    private readonly inbox: InboxRepository,
    private readonly sql: Sql,
    private readonly options: SendMailOptions,
    private readonly logger: Logger,
  ) {
    this.breaker = new DownstreamBreaker(
      (message: MailMessage) => mailer.send(message),
      {
        name: 'mail relay',
        resetMs: options.breakerResetMs,
        errorPercent: 50,
        minCalls: Math.max(5, options.outageFailures),
        windowMs: 30_000,
        // A message's own failures in a row on its last attempt already count as an outage: a message is never
        // dead-lettered only because the relay was out.
        failuresInARowToOpen: Math.min(options.outageFailures, options.maxAttempts),
        // A refused message says nothing about the relay's health.
        isRefusal: (err) => err instanceof PermanentError,
      },
      logger,
    );
  }

  /** What a message leads to (reads the owner of a completed batch). */
  async decide(message: MailTrigger): Promise<MailDecision> {
    if (message.type === 'user.registered' || message.type === 'user.confirmation-requested') {
      const d = message.data;
      const kind = message.type === 'user.registered' ? 'registered' : 'requested';
      return { send: { to: d.email, ...confirmationEmail({ ...d, kind }) } };
    }
    if (message.type === 'user.registration-attempted') {
      const d = message.data;
      return { send: { to: d.email, ...registrationAttemptEmail(d, this.options.publicBaseUrl) } };
    }
    const owner = await this.users.byId(message.data.ownerId);
    if (!owner) return { skip: 'the owner is not a user' };
    if (!owner.notifyBatchCompleted) return { skip: 'the owner did not ask for an email' };
    if (!owner.emailConfirmed) return { skip: "the owner's address is not confirmed" };
    return { send: { to: owner.email, ...batchCompletedEmail(message.data, this.options.publicBaseUrl) } };
  }

  async execute(message: MailTrigger, messageId: string): Promise<void> {
    if (await this.inbox.seen(this.options.consumer, messageId)) return;
    const decision = await this.decide(message);
    if ('skip' in decision) {
      this.logger.debug({ type: message.type, reason: decision.skip }, 'no email');
      return;
    }
    const { to, subject, text, html } = decision.send;
    try {
      await this.breaker.fire({ to, subject, text, html, messageId: `${messageId}@genlake` });
    } catch (err) {
      const e = err as Error;
      if (e instanceof PermanentError) throw e;
      if (isOpenBreaker(e) || this.breaker.inOutage) {
        // Not this message's fault: wait for the relay without spending an attempt.
        throw new DeferError(`mail relay unavailable: ${e.message}`, this.options.breakerResetMs);
      }
      throw e;
    }
    // After the relay took it: a crash right here sends it again on redelivery (see above).
    await this.sql.begin((tx) => this.inbox.record(tx, this.options.consumer, messageId));
    this.logger.info({ type: message.type, subject }, 'email sent');
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

import type { Logger } from '@genlake/kit';
import { deadLetterDigest } from '../mail/mail.templates';
import type { MailMessage } from '../mail/smtp.mailer';
import type { UserDirectory } from '../users/user.directory';
import type { DeadLetterStore } from './dead-letter.store';

export interface DeadLetterAlertsOptions {
  intervalMs: number;
  /** Who gets the digest; empty: the confirmed operators among the users. */
  operatorEmails: readonly string[];
  /** Dead letters taken into one digest (the digest lists the first 50 and counts the rest). */
  maxPerDigest?: number;
}

/**
 * Every `intervalMs`, emails the dead letters not alerted yet to the operators as one digest and marks them
 * alerted. Replicas do not alert a row twice (the store locks rows with skip locked); when the mail relay fails, or
 * there is no operator to tell, the rows stay unalerted and the next round tries again.
 */
export class DeadLetterAlerts {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly store: DeadLetterStore,
    private readonly users: UserDirectory,
    private readonly send: (message: MailMessage) => Promise<void>,
    private readonly options: DeadLetterAlertsOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.runOnce()
        .catch((err: Error) =>
          this.logger.warn({ err: err.message }, 'dead-letter alert round failed; next round retries'),
        )
        .finally(() => {
          this.round = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One round: returns how many dead letters were alerted (0 when none waited, or nobody could be told). */
  async runOnce(): Promise<number> {
    const recipients = this.options.operatorEmails.length
      ? [...this.options.operatorEmails]
      : await this.users.operatorEmails();
    if (recipients.length === 0) {
      const waiting = await this.store.countUnalerted();
      if (waiting > 0) {
        this.logger.warn(
          { waiting },
          'dead letters wait, but there is no operator to tell: set OPERATOR_EMAILS or confirm an operator account',
        );
      }
      return 0;
    }
    const alerted = await this.store.alertUnalerted(this.options.maxPerDigest ?? 1_000, async (letters) => {
      const digest = deadLetterDigest(letters);
      await this.send({ to: recipients, ...digest });
    });
    if (alerted > 0) this.logger.info({ alerted, recipients: recipients.length }, 'dead letters alerted');
    return alerted;
  }

  /** Stops the loop and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }
}

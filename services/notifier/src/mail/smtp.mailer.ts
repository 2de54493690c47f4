import { PermanentError } from '@genlake/kit';
import * as nodemailer from 'nodemailer';

/** One email: a plain-text body and a simple HTML alternative. */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header without angle brackets (the notifier uses `<message id>@genlake`). */
  messageId?: string;
}

/** The relay answered with a permanent refusal (5xx) of this message: sending it again cannot help. */
export class MailRejectedError extends PermanentError {
  override name = 'MailRejectedError';
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

/**
 * The relay could not take the message now: a temporary answer (4xx), or the relay could not be reached, timed
 * out, or refused the credentials. Retried; many in a row are an outage of the relay.
 */
export class MailRelayError extends Error {
  override name = 'MailRelayError';
  constructor(
    message: string,
    readonly code?: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 465). */
  secure: boolean;
  /** Require STARTTLS (SES on 587). */
  requireTls: boolean;
  user?: string;
  password?: string;
  /** Connecting, the greeting and every reply must come within this. */
  timeoutMs: number;
  maxConnections: number;
  /** `Name <address>` of the sender. */
  from: string;
}

/** Where to send mail and how, without the password (for logs). */
export function describeRelay(options: SmtpMailerOptions): string {
  const scheme = options.secure ? 'smtps' : 'smtp';
  const auth = options.user ? `${options.user}@` : '';
  return `${scheme}://${auth}${options.host}:${options.port}${options.requireTls ? ' (STARTTLS required)' : ''}`;
}

/**
 * Sends email through an SMTP relay (SES's SMTP interface, Mailpit, the mail stub) with a pool of connections, and
 * sorts its failures: a permanent answer (5xx) to this message is a MailRejectedError (dead letters); anything else
 * is a MailRelayError (a retry, or waiting out an outage).
 */
export class SmtpMailer {
  private readonly transport: nodemailer.Transporter;

  constructor(private readonly options: SmtpMailerOptions) {
    this.transport = nodemailer.createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTls,
      // Without TLS required, a relay that offers no STARTTLS (the mail stub, Mailpit) is used in plain text.
      ignoreTLS: false,
      auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      maxConnections: options.maxConnections,
      maxMessages: 100,
      // Nothing in an email is read from a file or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId ? `<${message.messageId}>` : undefined,
      });
    } catch (err) {
      throw classify(err as Error & { code?: string; responseCode?: number; response?: string });
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** A nodemailer error as a MailRejectedError (5xx answer) or a MailRelayError (everything else). */
export function classify(err: Error & { code?: string; responseCode?: number; response?: string }): Error {
  const code = err.responseCode;
  const answer = (err.response ?? err.message).slice(0, 500);
  // EAUTH: the relay refused our credentials: a configuration problem, not this message's. It waits.
  if (typeof code === 'number' && code >= 500 && code < 600 && err.code !== 'EAUTH') {
    return new MailRejectedError(`mail relay refused the message: ${answer}`, code);
  }
  const what = typeof code === 'number' ? `answered ${answer}` : `${err.code ?? 'error'}: ${err.message}`;
  return new MailRelayError(`mail relay unavailable (${what})`, err.code, code);
}

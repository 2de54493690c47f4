import { PermanentError } from '@genlake/kit';
import { describe, expect, it } from 'vitest';
import { classify, describeRelay, MailRejectedError, MailRelayError } from './smtp.mailer';

function smtpError(props: { code?: string; responseCode?: number; response?: string }, message = 'failed') {
  return Object.assign(new Error(message), props);
}

describe('classify', () => {
  it('makes a 5xx answer to the message a permanent refusal (dead letters)', () => {
    const err = classify(
      smtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 Mailbox unavailable' }),
    );
    expect(err).toBeInstanceOf(MailRejectedError);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe('mail relay refused the message: 550 5.1.1 Mailbox unavailable');
  });

  it('retries 4xx answers, connection failures, timeouts and refused credentials', () => {
    for (const e of [
      smtpError({ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try again later' }),
      smtpError({ code: 'ESOCKET' }, 'connect ECONNREFUSED 127.0.0.1:1025'),
      smtpError({ code: 'ETIMEDOUT' }, 'Greeting never received'),
      smtpError({ code: 'EAUTH', responseCode: 535, response: '535 Authentication Credentials Invalid' }),
    ]) {
      const err = classify(e);
      expect(err, e.message).toBeInstanceOf(MailRelayError);
      expect(err, e.message).not.toBeInstanceOf(PermanentError);
    }
    expect(classify(smtpError({ code: 'ESOCKET' }, 'connect ECONNREFUSED')).message).toBe(
      'mail relay unavailable (ESOCKET: connect ECONNREFUSED)',
    );
  });

  it('describes the relay without its password', () => {
    const relay = {
      host: 'email-smtp.eu-central-1.amazonaws.com',
      port: 587,
      secure: false,
      requireTls: true,
      user: 'AKIAEXAMPLE',
      password: 'secret',
      timeoutMs: 1000,
      maxConnections: 1,
      from: 'a@b.c',
    };
    expect(describeRelay(relay)).toBe(
      'smtp://AKIAEXAMPLE@email-smtp.eu-central-1.amazonaws.com:587 (STARTTLS required)',
    );
    expect(describeRelay(relay)).not.toContain('secret');
  });
});

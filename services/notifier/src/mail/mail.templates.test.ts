import { describe, expect, it } from 'vitest';
import {
  batchCompletedEmail,
  batchUrl,
  confirmationEmail,
  DIGEST_LISTED,
  deadLetterDigest,
  escapeHtml,
  fromNow,
  registrationAttemptEmail,
} from './mail.templates';

const NOW = new Date('2026-11-02T10:00:00Z');

describe('confirmation email', () => {
  const input = {
    email: 'ada@example.com',
    confirmationUrl: 'https://genlake.example.com/api/auth/confirm?token=abc&x=<1>',
    confirmationExpiresAt: '2026-11-03T10:00:00Z',
  };

  it('holds the link and says when it expires, in text and HTML', () => {
    const mail = confirmationEmail({ ...input, kind: 'registered' }, NOW);
    expect(mail.subject).toBe('Confirm your email address for genlake');
    expect(mail.text).toContain(input.confirmationUrl);
    expect(mail.text).toContain('expires on 2026-11-03 10:00 UTC (in 24 hours)');
    expect(mail.text).toContain('Welcome to genlake');
    // HTML: the link escaped, nothing injected
    expect(mail.html).toContain('href="https://genlake.example.com/api/auth/confirm?token=abc&amp;x=&lt;1&gt;"');
    expect(mail.html).not.toContain('<1>');
  });

  it('says it is a new link when one was asked for', () => {
    const mail = confirmationEmail({ ...input, kind: 'requested' }, NOW);
    expect(mail.text).toContain('Here is the new link you asked for');
  });
});

describe('registration attempt email', () => {
  it('tells the owner what happened and how to get in, with no link that does anything by itself', () => {
    const mail = registrationAttemptEmail(
      { email: 'ada+x@example.com', attemptedAt: '2026-11-04T09:30:00Z' },
      'https://genlake.example.com/',
    );
    expect(mail.subject).toBe('Someone tried to register with your address at genlake');
    expect(mail.text).toContain(
      'Someone tried to create a genlake account with ada+x@example.com on 2026-11-04 09:30 UTC',
    );
    expect(mail.text).toContain('no account was created and nothing was changed');
    expect(mail.text).toContain('Log in at https://genlake.example.com/login.');
    expect(mail.text).toContain('change it from your account page (https://genlake.example.com/account)');
    expect(mail.text).toContain('no password reset by email yet');
    expect(mail.text).not.toMatch(/token=/);
    expect(mail.html).toContain('href="https://genlake.example.com/login"');
    expect(mail.html).toContain('href="https://genlake.example.com/account"');
  });

  it('escapes the address in HTML', () => {
    const mail = registrationAttemptEmail(
      { email: '<b>@example.com', attemptedAt: '2026-11-04T09:30:00Z' },
      'http://x',
    );
    expect(mail.html).toContain('&lt;b&gt;@example.com');
    expect(mail.html).not.toContain('<b>@');
  });
});

describe('batch completed email', () => {
  const data = {
    batchId: 'a4d6e8f0-1b3c-4e5f-8a7b-9c0d1e2f3a4b',
    datasetId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
    dataset: 'retail_pos',
    ownerId: '8d0e6f8a-4f4b-4b8e-9d6c-3a1f2e5b7c90',
    number: 17,
    processedGenerationId: 'e7f8a9b0-c1d2-4e3f-9a4b-5c6d7e8f9a0b',
    correctedGenerationId: '1a3c5e7a-9c1e-4a3c-8e7a-9c1e3a5c7e9a',
    recordCount: 1250000,
    corrections: 412,
    completedAt: '2026-03-16T00:04:11.5+00:00',
  };

  it('names the dataset, the generation, the counts and links to the batch', () => {
    const mail = batchCompletedEmail(data, 'https://genlake.example.com/');
    expect(mail.subject).toBe('Batch completed: retail_pos, generation 17');
    expect(mail.text).toContain('1,250,000 records');
    expect(mail.text).toContain('412 estimates were corrected');
    expect(mail.text).toContain(`See it: https://genlake.example.com/batches/${data.batchId}`);
    expect(mail.html).toContain(`href="https://genlake.example.com/batches/${data.batchId}"`);
    expect(batchCompletedEmail({ ...data, corrections: 0, recordCount: 1 }, 'http://x').text).toContain(
      'no estimate needed a correction',
    );
  });

  it('builds batch links under the public base URL', () => {
    expect(batchUrl('http://localhost:8080', 'b1')).toBe('http://localhost:8080/batches/b1');
    expect(batchUrl('https://g.example.com/app/', 'b1')).toBe('https://g.example.com/app/batches/b1');
  });
});

describe('dead-letter digest', () => {
  const letter = (n: number, queue = 'notifier.crm') => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    queue,
    messageType: 'batch.completed',
    messageId: `m-${n}`,
    reason: `CRM answered 400:\n  event refused ${n}`,
    attempts: 1,
    deadAt: new Date('2026-11-02T10:00:00Z'),
  });

  it('counts per queue, lists each with its id and reason, and says how to inspect and replay', () => {
    const mail = deadLetterDigest([letter(1), letter(2, 'processor.batch-accepted'), letter(3)]);
    expect(mail.subject).toBe('[genlake] 3 new dead letters (notifier.crm, processor.batch-accepted)');
    expect(mail.text).toMatch(/ {4}2 {2}notifier\.crm/);
    expect(mail.text).toContain('00000000-0000-4000-8000-000000000002  processor.batch-accepted  batch.completed');
    expect(mail.text).toContain('reason: CRM answered 400: event refused 3');
    expect(mail.text).toContain('npm run dead-letters -- list');
    expect(mail.text).toContain('GET /api/dead-letters');
    expect(mail.html).toContain('<code>00000000-0000-4000-8000-000000000001</code>');
  });

  it(`lists the first ${DIGEST_LISTED} and counts the rest`, () => {
    const mail = deadLetterDigest(Array.from({ length: 70 }, (_, i) => letter(i)));
    expect(mail.subject).toContain('70 new dead letters');
    expect(mail.text).toContain('... and 20 more.');
    expect(mail.text).not.toContain('00000000-0000-4000-8000-000000000050');
  });
});

describe('helpers', () => {
  it('escape HTML and say how far away a time is', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(fromNow('2026-11-02T10:30:00Z', NOW)).toBe('in 30 minutes');
    expect(fromNow('2026-11-09T10:00:00Z', NOW)).toBe('in 7 days');
    expect(fromNow('2026-11-01T10:00:00Z', NOW)).toBe('already');
  });
});

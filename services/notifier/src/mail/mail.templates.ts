import type { BatchCompletedDataV1 } from '@genlake/contracts';

/** The content of one email. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `2026-11-03 10:15 UTC` */
export function utc(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `in 24 hours`, `in 45 minutes`, or `already` for a time that has passed. */
export function fromNow(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return 'already';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `in ${Math.max(1, minutes)} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 72) return `in ${hours} hours`;
  return `in ${Math.round(hours / 24)} days`;
}

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 40em">',
    body,
    '</body></html>',
  ].join('\n');
}

export interface ConfirmationInput {
  email: string;
  confirmationUrl: string;
  confirmationExpiresAt: string;
  /** `registered`: the first link after signing up; `requested`: the user asked for a new one. */
  kind: 'registered' | 'requested';
}

/** The email that confirms an address: the link, and when it stops working. */
export function confirmationEmail(input: ConfirmationInput, now = new Date()): MailContent {
  const expires = `${utc(input.confirmationExpiresAt)} (${fromNow(input.confirmationExpiresAt, now)})`;
  const intro =
    input.kind === 'registered'
      ? `Welcome to genlake! Please confirm that ${input.email} is your email address by opening this link:`
      : `Here is the new link you asked for to confirm ${input.email} for genlake:`;
  const text = [
    'Hello,',
    '',
    intro,
    '',
    input.confirmationUrl,
    '',
    `The link works once and expires on ${expires}. After that, ask for a new one when you log in.`,
    '',
    'If you did not sign up for genlake, ignore this email: nothing happens without the link.',
    '',
    '-- genlake',
    '',
  ].join('\n');
  const html = page(
    'Confirm your email address',
    [
      '<p>Hello,</p>',
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(input.confirmationUrl)}">Confirm my email address</a></p>`,
      `<p>Or copy this link into your browser:<br><code>${escapeHtml(input.confirmationUrl)}</code></p>`,
      `<p>The link works once and expires on ${escapeHtml(expires)}. After that, ask for a new one when you log in.</p>`,
      '<p>If you did not sign up for genlake, ignore this email: nothing happens without the link.</p>',
      '<p>-- genlake</p>',
    ].join('\n'),
  );
  return { subject: 'Confirm your email address for genlake', text, html };
}

/** A page of the web app: `webAppUrl('https://genlake.example/', '/login')`. */
export function webAppUrl(publicBaseUrl: string, path: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${path}`;
}

export interface RegistrationAttemptInput {
  email: string;
  attemptedAt: string;
}

/**
 * The warning to the owner of an address someone tried to register again (the gateway answered as for a new
 * address, so the attempt learned nothing): what happened, and how to get in if it was the owner. No secret in it.
 */
export function registrationAttemptEmail(input: RegistrationAttemptInput, publicBaseUrl: string): MailContent {
  const login = webAppUrl(publicBaseUrl, '/login');
  const account = webAppUrl(publicBaseUrl, '/account');
  const when = utc(input.attemptedAt);
  const happened = `Someone tried to create a genlake account with ${input.email} on ${when}. This address has an account already, so no account was created and nothing was changed.`;
  const ifYou = `If it was you: you have an account. Log in at ${login}. If you forgot your password, change it from your account page (${account}) where you are still logged in; genlake has no password reset by email yet, so otherwise ask the operators of your genlake.`;
  const ifNot = 'If it was not you, you need not do anything: your account and your password are as they were.';
  const text = ['Hello,', '', happened, '', ifYou, '', ifNot, '', '-- genlake', ''].join('\n');
  const html = page(
    'Someone tried to register with your address',
    [
      '<p>Hello,</p>',
      `<p>${escapeHtml(happened)}</p>`,
      `<p>If it was you: you have an account. <a href="${escapeHtml(login)}">Log in</a>. If you forgot your password, change it from <a href="${escapeHtml(account)}">your account page</a> where you are still logged in; genlake has no password reset by email yet, so otherwise ask the operators of your genlake.</p>`,
      `<p>${escapeHtml(ifNot)}</p>`,
      '<p>-- genlake</p>',
    ].join('\n'),
  );
  return { subject: 'Someone tried to register with your address at genlake', text, html };
}

/** The link to a batch in the web app. */
export function batchUrl(publicBaseUrl: string, batchId: string): string {
  return webAppUrl(publicBaseUrl, `/batches/${encodeURIComponent(batchId)}`);
}

/** The email to an owner who asked to hear when a batch is completed. */
export function batchCompletedEmail(data: BatchCompletedDataV1, publicBaseUrl: string): MailContent {
  const link = batchUrl(publicBaseUrl, data.batchId);
  const records = data.recordCount.toLocaleString('en-US');
  const corrections =
    data.corrections === 0
      ? 'no estimate needed a correction'
      : `${data.corrections.toLocaleString('en-US')} estimate${data.corrections === 1 ? ' was' : 's were'} corrected`;
  const subject = `Batch completed: ${data.dataset}, generation ${data.number}`;
  const lines: Array<[string, string]> = [
    ['Dataset', data.dataset],
    ['Generation', String(data.number)],
    ['Records', records],
    ['Corrections', corrections],
    ['Completed', utc(data.completedAt)],
  ];
  const text = [
    'Hello,',
    '',
    `your batch of ${records} record${data.recordCount === 1 ? '' : 's'} in the dataset ${data.dataset} is processed and corrected.`,
    '',
    ...lines.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`),
    '',
    `See it: ${link}`,
    '',
    'You get this email because you asked for one when a batch is completed; you can turn it off in your account.',
    '',
    '-- genlake',
    '',
  ].join('\n');
  const html = page(
    subject,
    [
      '<p>Hello,</p>',
      `<p>your batch of ${escapeHtml(records)} record${data.recordCount === 1 ? '' : 's'} in the dataset <b>${escapeHtml(data.dataset)}</b> is processed and corrected.</p>`,
      '<table cellpadding="4">',
      ...lines.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
      '</table>',
      `<p><a href="${escapeHtml(link)}">See the batch</a></p>`,
      '<p style="color: #666">You get this email because you asked for one when a batch is completed; you can turn it off in your account.</p>',
      '<p>-- genlake</p>',
    ].join('\n'),
  );
  return { subject, text, html };
}

/** One dead letter as the digest lists it. */
export interface DeadLetterSummary {
  id: string;
  queue: string;
  messageType: string | null;
  messageId: string;
  reason: string;
  attempts: number;
  deadAt: Date;
}

/** Dead letters listed one by one in a digest; the rest are counted. */
export const DIGEST_LISTED = 50;

function oneLine(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The operators' digest of new dead letters: how many, where, why, and how to look and replay. */
export function deadLetterDigest(letters: readonly DeadLetterSummary[]): MailContent {
  const count = letters.length;
  const perQueue = new Map<string, number>();
  for (const l of letters) perQueue.set(l.queue, (perQueue.get(l.queue) ?? 0) + 1);
  const queues = [...perQueue.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const subject = `[genlake] ${count} new dead letter${count === 1 ? '' : 's'} (${queues.map(([q]) => q).join(', ')})`;
  const listed = letters.slice(0, DIGEST_LISTED);
  const more = count - listed.length;
  const howTo = [
    'Inspect and replay them (operators):',
    '  npm run dead-letters -- list            every dead letter not replayed yet',
    '  npm run dead-letters -- show <id>       one of them, with its message',
    '  npm run dead-letters -- replay <id>     send it back to its queue once the cause is fixed',
    'or the API: GET /api/dead-letters, GET /api/dead-letters/<id>, POST /api/dead-letters/<id>/replay.',
    'See docs/operations.md, "Dead letters".',
  ];
  const text = [
    `${count} message${count === 1 ? '' : 's'} could not be handled and ${count === 1 ? 'was' : 'were'} set aside as dead letters:`,
    ...queues.map(([queue, n]) => `  ${String(n).padStart(5)}  ${queue}`),
    '',
    ...listed.flatMap((l) => [
      `- ${l.id}  ${l.queue}  ${l.messageType ?? '(not a known message)'}  attempt ${l.attempts}  ${l.deadAt.toISOString()}`,
      `  message ${l.messageId || '(no id)'}`,
      `  reason: ${oneLine(l.reason, 300)}`,
    ]),
    ...(more > 0 ? [`... and ${more} more.`] : []),
    '',
    ...howTo,
    '',
    '-- the genlake notifier',
    '',
  ].join('\n');
  const html = page(
    subject,
    [
      `<p>${count} message${count === 1 ? '' : 's'} could not be handled and ${count === 1 ? 'was' : 'were'} set aside as dead letters.</p>`,
      '<table cellpadding="4" border="1" style="border-collapse: collapse">',
      '<tr><th>dead-letter id</th><th>queue</th><th>message type</th><th>attempt</th><th>dead at</th><th>reason</th></tr>',
      ...listed.map(
        (l) =>
          `<tr><td><code>${escapeHtml(l.id)}</code></td><td>${escapeHtml(l.queue)}</td><td>${escapeHtml(l.messageType ?? '')}</td>` +
          `<td>${l.attempts}</td><td>${escapeHtml(l.deadAt.toISOString())}</td><td>${escapeHtml(oneLine(l.reason, 300))}</td></tr>`,
      ),
      '</table>',
      ...(more > 0 ? [`<p>... and ${more} more.</p>`] : []),
      `<pre>${escapeHtml(howTo.join('\n'))}</pre>`,
    ].join('\n'),
  );
  return { subject, text, html };
}

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MailStub, startMailStub } from './mail.stub';

/** A plain SMTP conversation: each command with the reply it got (code and text). */
class SmtpSession {
  private buffer = '';
  private waiting: ((line: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.flush();
    });
  }

  static async open(port: number): Promise<{ session: SmtpSession; greeting: string }> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const session = new SmtpSession(socket);
    return { session, greeting: await session.reply() };
  }

  private flush() {
    // A reply ends with a line `NNN text` (a space after the code); `NNN-text` lines continue it.
    const match = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buffer);
    if (!match || !this.waiting) return;
    const end = match.index + match[0].length;
    const reply = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end);
    const done = this.waiting;
    this.waiting = undefined;
    done(reply.split('\r\n').at(-1) ?? '');
  }

  reply(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.flush();
    });
  }

  async send(line: string): Promise<string> {
    const reply = this.reply();
    this.socket.write(`${line}\r\n`);
    return reply;
  }

  close() {
    this.socket.destroy();
  }
}

async function sendMail(port: number, from: string, to: string[], data: string): Promise<string[]> {
  const { session } = await SmtpSession.open(port);
  const replies: string[] = [];
  try {
    replies.push(await session.send('EHLO test.local'));
    replies.push(await session.send(`MAIL FROM:<${from}>`));
    if (!replies.at(-1)?.startsWith('250')) return replies;
    let accepted = 0;
    for (const rcpt of to) {
      replies.push(await session.send(`RCPT TO:<${rcpt}>`));
      if (replies.at(-1)?.startsWith('250')) accepted++;
    }
    if (accepted === 0) return replies;
    replies.push(await session.send('DATA'));
    replies.push(await session.send(`${data.replace(/\n/g, '\r\n')}\r\n.`));
    replies.push(await session.send('QUIT'));
  } finally {
    session.close();
  }
  return replies;
}

const MESSAGE = [
  'From: genlake <no-reply@genlake.local>',
  'To: Ada Lovelace <ada@example.com>',
  'Subject: Confirm your email address',
  'Message-ID: <m1@genlake.local>',
  'Date: Mon, 02 Nov 2026 10:15:30 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Welcome to genlake.',
  'Confirm: https://genlake.example.com/api/auth/confirm?token=abc',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Welcome to <b>genlake</b>.</p>',
  '--b1--',
].join('\n');

describe('mail stub', () => {
  let stub: MailStub;

  beforeAll(async () => {
    stub = await startMailStub({ smtpPort: 0, httpPort: 0, maxMessages: 3 });
  });
  afterAll(async () => {
    await stub?.close();
  });
  beforeEach(async () => {
    await stub.reset();
  });

  async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const res = await fetch(`${stub.httpUrl}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
  }

  it('takes a message over SMTP, parses it, and lists it like Mailpit', async () => {
    const replies = await sendMail(stub.smtpPort, 'no-reply@genlake.local', ['ada@example.com'], MESSAGE);
    expect(replies.map((r) => r.slice(0, 3))).toEqual(['250', '250', '250', '354', '250', '221']);
    const list = await api<{ total: number; messages: Array<Record<string, unknown>> }>('/api/v1/messages');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const [summary] = list.body.messages;
    expect(summary).toMatchObject({
      From: { Name: 'genlake', Address: 'no-reply@genlake.local' },
      To: [{ Name: 'Ada Lovelace', Address: 'ada@example.com' }],
      Subject: 'Confirm your email address',
      MessageID: 'm1@genlake.local',
    });
    expect(summary.Snippet).toBe('Welcome to genlake. Confirm: https://genlake.example.com/api/auth/confirm?token=abc');
    expect(Date.parse(String(summary.Created))).not.toBeNaN();
    const full = await api<Record<string, unknown>>(`/api/v1/message/${summary.ID}`);
    expect(full.body).toMatchObject({
      ID: summary.ID,
      Subject: 'Confirm your email address',
      Date: '2026-11-02T10:15:30.000Z',
      HTML: expect.stringContaining('<b>genlake</b>'),
    });
    expect(full.body.Text).toContain('token=abc');
    expect((await api<Record<string, unknown>>('/api/v1/message/latest')).body.ID).toBe(summary.ID);
    expect((await api('/api/v1/message/nope')).status).toBe(404);
    expect(stub.messagesTo('ADA@example.com')).toHaveLength(1);
  });

  it('lists newest first, keeps a bounded number, and deletes like Mailpit', async () => {
    for (const n of [1, 2, 3, 4]) {
      await sendMail(
        stub.smtpPort,
        'a@b.c',
        [`u${n}@example.com`],
        MESSAGE.replace('Subject: Confirm', `Subject: ${n}`),
      );
    }
    const list = await api<{ total: number; messages: Array<{ ID: string; Subject: string }> }>(
      '/api/v1/messages?limit=2',
    );
    expect(list.body.total).toBe(3);
    expect(list.body.messages.map((m) => m.Subject.slice(0, 1))).toEqual(['4', '3']);
    await api('/api/v1/messages', {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ IDs: [list.body.messages[0].ID] }),
    });
    expect(stub.messages().map((m) => m.Subject.slice(0, 1))).toEqual(['2', '3']);
    await api('/api/v1/messages', { method: 'DELETE' });
    expect(stub.messages()).toEqual([]);
  });

  it('answers 451 while tempfailing and 550 while rejecting, and keeps nothing', async () => {
    expect((await api('/_control', post({ mode: 'tempfail' }))).status).toBe(200);
    const temp = await sendMail(stub.smtpPort, 'a@b.c', ['ada@example.com'], MESSAGE);
    expect(temp[1]).toMatch(/^451 4\.3\.0 /);
    await api('/_control', post({ mode: 'reject' }));
    const rejected = await sendMail(stub.smtpPort, 'a@b.c', ['ada@example.com'], MESSAGE);
    expect(rejected[1]).toMatch(/^550 5\.7\.1 /);
    await api('/_control', post({ mode: 'accept', rejectRecipients: '^bounce' }));
    const one = await sendMail(stub.smtpPort, 'a@b.c', ['bounce@example.com'], MESSAGE);
    expect(one[2]).toMatch(/^550 5\.1\.1 /);
    expect(stub.messages()).toEqual([]);
    expect(await api('/_stats')).toMatchObject({ body: { tempFailed: 1, rejected: 2, received: 0 } });
    expect((await api('/_control', post({ mode: 'sleepy' }))).status).toBe(400);
  });

  it('closes the SMTP port while down and opens the same port again', async () => {
    const port = stub.smtpPort;
    const { session } = await SmtpSession.open(port);
    const dropped = new Promise<void>((resolve) =>
      (session as unknown as { socket: Socket }).socket.once('close', resolve),
    );
    await stub.setMode('down');
    await dropped;
    await expect(SmtpSession.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await api<{ status: string }>('/health/live')).body).toEqual({ status: 'ok' });
    await stub.setMode('accept');
    expect(stub.smtpPort).toBe(port);
    const replies = await sendMail(port, 'a@b.c', ['ada@example.com'], MESSAGE);
    expect(replies.at(-2)).toMatch(/^250 /);
    expect(stub.messages()).toHaveLength(1);
  });

  it('accepts a client that authenticates, without requiring it', async () => {
    const { session } = await SmtpSession.open(stub.smtpPort);
    try {
      expect(await session.send('EHLO test.local')).toMatch(/^250 /);
      const plain = Buffer.from('\0user\0secret').toString('base64');
      expect(await session.send(`AUTH PLAIN ${plain}`)).toMatch(/^235 /);
    } finally {
      session.close();
    }
  });
});

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

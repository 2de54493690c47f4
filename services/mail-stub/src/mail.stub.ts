import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/**
 * - `accept`: every message is taken and kept;
 * - `tempfail`: MAIL FROM and RCPT TO are answered `451 4.3.0` (try again later);
 * - `reject`: MAIL FROM and RCPT TO are answered `550 5.7.1` (refused for good);
 * - `down`: the SMTP port is closed and open connections are dropped (connection refused).
 */
export type MailMode = 'accept' | 'tempfail' | 'reject' | 'down';
export const MAIL_MODES: readonly MailMode[] = ['accept', 'tempfail', 'reject', 'down'];

/** A mailbox as Mailpit's API writes it. */
export interface MailAddress {
  Name: string;
  Address: string;
}

/** One received message: the fields of Mailpit's message API, plus the SMTP envelope. */
export interface StoredMessage {
  ID: string;
  MessageID: string;
  From: MailAddress;
  To: MailAddress[];
  Cc: MailAddress[];
  Subject: string;
  /** The Date header (RFC 3339), or when it arrived. */
  Date: string;
  /** When the stub received it (RFC 3339). */
  Created: string;
  Text: string;
  HTML: string;
  Size: number;
  Snippet: string;
  /** MAIL FROM and RCPT TO of the SMTP session. */
  Envelope: { From: string; To: string[] };
  /** The user name the client authenticated with, when it did. */
  AuthenticatedAs: string | null;
}

/** The summary of a message in Mailpit's list (`GET /api/v1/messages`). */
export type MessageSummary = Pick<StoredMessage, 'ID' | 'MessageID' | 'From' | 'To' | 'Cc' | 'Subject' | 'Created'> & {
  Size: number;
  Snippet: string;
};

export interface MailStats {
  mode: MailMode;
  received: number;
  tempFailed: number;
  rejected: number;
  connections: number;
  stored: number;
}

export interface MailStubOptions {
  /** SMTP port; 0 (default) picks a free one. */
  smtpPort?: number;
  /** HTTP port of the API; 0 (default) picks a free one. */
  httpPort?: number;
  host?: string;
  /** Messages kept (oldest dropped first). Default 10,000. */
  maxMessages?: number;
  /** Largest message accepted, in bytes. Default 10 MiB. */
  maxMessageBytes?: number;
  logger?: boolean;
}

export interface MailStub {
  smtpHost: string;
  smtpPort: number;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8025 */
  httpUrl: string;
  app: FastifyInstance;
  /** Every kept message, oldest first. */
  messages(): StoredMessage[];
  /** The messages sent to an address (compared without regard to case), oldest first. */
  messagesTo(address: string): StoredMessage[];
  readonly mode: MailMode;
  /** Switches the mode; `down` closes the SMTP port, any other mode opens it again on the same port. */
  setMode(mode: MailMode): Promise<void>;
  /** Recipients matching this pattern are refused with `550 5.1.1` (in any mode but down); null: none. */
  rejectRecipients(pattern: RegExp | null): void;
  stats(): MailStats;
  /** Forgets every message and counter; mode accept, no refused recipients. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** An SMTP answer with a code, as smtp-server sends it. */
function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

function mailboxes(list: PostalMime.Address[] | PostalMime.Address | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const entry of Array.isArray(list) ? list : list ? [list] : []) {
    if (entry.group) for (const m of entry.group) out.push({ Name: m.name ?? '', Address: m.address ?? '' });
    else out.push({ Name: entry.name ?? '', Address: entry.address ?? '' });
  }
  return out;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 250 ? `${flat.slice(0, 250)}...` : flat;
}

function isoDate(value: string | undefined, fallback: Date): string {
  const parsed = value ? new Date(value) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : fallback.toISOString();
}

function summary(m: StoredMessage): MessageSummary {
  return {
    ID: m.ID,
    MessageID: m.MessageID,
    From: m.From,
    To: m.To,
    Cc: m.Cc,
    Subject: m.Subject,
    Created: m.Created,
    Size: m.Size,
    Snippet: m.Snippet,
  };
}

/**
 * The stand-in mail relay: a real SMTP server (no TLS; authentication accepted but not required) that parses and
 * keeps what it receives, and an HTTP API that is a subset of Mailpit's, so a script works against both:
 * `GET /api/v1/messages`, `GET /api/v1/message/{ID|latest}`, `DELETE /api/v1/messages`. `/_control`, `/_stats` and
 * `/_reset` let tests make it fail, like the CRM stand-in.
 */
export async function startMailStub(options: MailStubOptions = {}): Promise<MailStub> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 10_000;
  const maxBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  let mode: MailMode = 'accept';
  let refused: RegExp | null = null;
  let stored: StoredMessage[] = [];
  const counts = { received: 0, tempFailed: 0, rejected: 0, connections: 0 };

  // SMTP: one server instance per period the port is open; `down` closes it and drops its connections.
  let smtp: SMTPServer | undefined;
  const sockets = new Set<Socket>();
  let smtpPort = options.smtpPort ?? 0;

  function refuseByMode(): Error | undefined {
    if (mode === 'tempfail') {
      counts.tempFailed++;
      return smtpError(451, '4.3.0 Mail relay temporarily unavailable, try again later');
    }
    if (mode === 'reject') {
      counts.rejected++;
      return smtpError(550, '5.7.1 Message refused by the mail relay');
    }
    return undefined;
  }

  function createSmtp(): SMTPServer {
    return new SMTPServer({
      name: 'genlake-mail-stub',
      banner: 'genlake mail stub',
      secure: false,
      // Plain SMTP only: no STARTTLS offered (a client that requires TLS fails, as it should against this stub).
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      size: maxBytes,
      logger: false,
      closeTimeout: 1_000,
      onAuth(auth, _session, callback) {
        callback(null, { user: auth.username ?? 'anonymous' });
      },
      onConnect(_session, callback) {
        counts.connections++;
        callback();
      },
      onMailFrom(_address, _session, callback) {
        callback(refuseByMode());
      },
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        const byMode = refuseByMode();
        if (byMode) return callback(byMode);
        if (refused?.test(address.address)) {
          counts.rejected++;
          return callback(smtpError(550, `5.1.1 Mailbox ${address.address} unavailable`));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (err) => callback(err));
        stream.on('end', () => {
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
            counts.rejected++;
            return callback(smtpError(552, '5.3.4 Message too big'));
          }
          const raw = Buffer.concat(chunks);
          PostalMime.parse(raw).then(
            (email) => {
              const now = new Date();
              const text = email.text ?? '';
              const from = mailboxes(email.from)[0] ?? { Name: '', Address: session.envelope.mailFrom || '' };
              stored.push({
                ID: randomUUID(),
                MessageID: (email.messageId ?? '').replace(/^<|>$/g, ''),
                From: from,
                To: mailboxes(email.to),
                Cc: mailboxes(email.cc),
                Subject: email.subject ?? '',
                Date: isoDate(email.date, now),
                Created: now.toISOString(),
                Text: text,
                HTML: email.html ?? '',
                Size: raw.length,
                Snippet: snippet(text),
                Envelope: {
                  From: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  To: session.envelope.rcptTo.map((r) => r.address),
                },
                AuthenticatedAs: typeof session.user === 'string' ? session.user : null,
              });
              if (stored.length > maxMessages) stored.splice(0, stored.length - maxMessages);
              counts.received++;
              callback();
            },
            (err: Error) => callback(smtpError(554, `5.6.0 Message could not be parsed: ${err.message}`)),
          );
        });
      },
    });
  }

  async function smtpUp(): Promise<void> {
    if (smtp) return;
    const server = createSmtp();
    server.on('error', () => {});
    server.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(smtpPort, host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    smtpPort = (server.server.address() as { port: number }).port;
    smtp = server;
  }

  async function smtpDown(): Promise<void> {
    const server = smtp;
    smtp = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  async function setMode(next: MailMode): Promise<void> {
    if (!MAIL_MODES.includes(next)) throw new RangeError(`mode must be one of ${MAIL_MODES.join(', ')}`);
    mode = next;
    if (next === 'down') await smtpDown();
    else await smtpUp();
  }

  function stats(): MailStats {
    return { mode, ...counts, stored: stored.length };
  }

  async function reset(): Promise<void> {
    stored = [];
    for (const k of Object.keys(counts) as Array<keyof typeof counts>) counts[k] = 0;
    refused = null;
    await setMode('accept');
  }

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) =>
    smtp || mode === 'down' ? { status: 'ok', mode } : reply.code(503).send({ status: 'starting' }),
  );

  // Mailpit: newest first, `start` and `limit` (default 50) page through them.
  app.get('/api/v1/messages', async (request) => {
    const query = request.query as { start?: string; limit?: string };
    const start = Math.max(0, Number.parseInt(query.start ?? '0', 10) || 0);
    const limit = Math.max(1, Math.min(10_000, Number.parseInt(query.limit ?? '50', 10) || 50));
    const newestFirst = [...stored].reverse();
    const page = newestFirst.slice(start, start + limit);
    return {
      total: stored.length,
      unread: stored.length,
      count: page.length,
      messages_count: stored.length,
      start,
      tags: [],
      messages: page.map(summary),
    };
  });

  app.get('/api/v1/message/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const message = id === 'latest' ? stored.at(-1) : stored.find((m) => m.ID === id);
    if (!message) return reply.code(404).type('text/plain').send('message not found');
    const { Envelope: _envelope, AuthenticatedAs: _user, Snippet: _snippet, Created: _created, ...rest } = message;
    return rest;
  });

  // Mailpit: `{"IDs": [...]}` deletes those messages; no body (or no IDs) deletes every message.
  app.delete('/api/v1/messages', async (request) => {
    const ids = (request.body as { IDs?: unknown } | undefined)?.IDs;
    if (Array.isArray(ids) && ids.length > 0) {
      const drop = new Set(ids.map(String));
      stored = stored.filter((m) => !drop.has(m.ID));
    } else {
      stored = [];
    }
    return 'ok';
  });

  app.post('/_control', async (request, reply) => {
    const body = (request.body ?? {}) as { mode?: unknown; rejectRecipients?: unknown };
    if (typeof body.mode !== 'string' || !MAIL_MODES.includes(body.mode as MailMode))
      return reply.code(400).send({ error: `mode must be one of ${MAIL_MODES.join(', ')}` });
    if (body.rejectRecipients !== undefined && body.rejectRecipients !== null) {
      if (typeof body.rejectRecipients !== 'string')
        return reply.code(400).send({ error: 'rejectRecipients must be a regular expression (a string) or null' });
      try {
        refused = new RegExp(body.rejectRecipients, 'i');
      } catch {
        return reply.code(400).send({ error: 'rejectRecipients is not a valid regular expression' });
      }
    } else if (body.rejectRecipients === null) {
      refused = null;
    }
    await setMode(body.mode as MailMode);
    return { mode, rejectRecipients: refused?.source ?? null };
  });
  app.get('/_stats', async () => stats());
  app.post('/_reset', async () => {
    await reset();
    return { ok: true };
  });

  await smtpUp();
  await app.listen({ port: options.httpPort ?? 0, host });
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : (options.httpPort ?? 0);

  return {
    smtpHost: host,
    get smtpPort() {
      return smtpPort;
    },
    httpUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${httpPort}`,
    app,
    messages: () => [...stored],
    messagesTo: (to: string) =>
      stored.filter((m) => m.Envelope.To.some((address) => address.toLowerCase() === to.toLowerCase())),
    get mode() {
      return mode;
    },
    setMode,
    rejectRecipients(pattern: RegExp | null) {
      refused = pattern;
    },
    stats,
    reset,
    close: async () => {
      await smtpDown();
      await app.close();
    },
  };
}

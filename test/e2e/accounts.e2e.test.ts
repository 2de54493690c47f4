import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETRY, QUEUES, queueTopology } from '@genlake/contracts';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ServiceProcess,
  setupTestServices,
  TEST_JWT_SECRET,
  type TestServices,
} from '@genlake/testing';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccountsCli } from '../../services/gateway/src/cli/accounts.cli';
import { runDeadLettersCli } from '../../services/gateway/src/cli/dead-letters.cli';

const record = { entity: 'e1', ts: '2026-01-01T00:00:00Z', metric: 'm', value: 1 };

async function token(
  claims: Record<string, unknown>,
  options: { secret?: string; alg?: string; issuer?: string; audience?: string; expiresIn?: string | number } = {},
) {
  return new SignJWT({ role: 'user', email_verified: true, ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(String(claims.sub ?? randomUUID()))
    .setIssuer(options.issuer ?? 'genlake')
    .setAudience(options.audience ?? 'genlake-api')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

function unsignedToken(payload: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

function cliIo(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/**
 * Accounts, tokens, roles, rate limits and the dead-letter API, against the gateway as a process with real
 * Postgres and RabbitMQ. A second gateway with tiny limits shows the throttles.
 */
describe('accounts and access', () => {
  let services: TestServices;
  let workDir: string;
  let gateway: ServiceProcess;
  let limited: ServiceProcess;
  let sql: postgres.Sql;
  let anonymous: GatewayClient;

  beforeAll(async () => {
    services = await setupTestServices('accounts');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-accounts-'));
    const env = { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work') };
    const logs = join(workDir, 'logs');
    [gateway, limited] = await Promise.all([
      ServiceProcess.start('gateway', { ...env, ...GENEROUS_LIMITS }, logs),
      ServiceProcess.start(
        'gateway',
        {
          ...env,
          MIGRATE_ON_START: 'false',
          WORK_DIR: join(workDir, 'work-limited'),
          RATE_LIMIT_PER_ADDRESS: '1000',
          RATE_LIMIT_PER_USER: '8',
          RATE_LIMIT_AUTH_PER_ADDRESS: '20',
          AUTH_LOGIN_FAILURES_PER_ACCOUNT: '3',
          AUTH_LOGIN_FAILURES_PER_ADDRESS: '1000',
        },
        logs,
      ),
    ]);
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    anonymous = new GatewayClient(gateway.url);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), limited?.stop()]);
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  it('refuses weak passwords, bad emails and unknown fields at registration, with the reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ email: 'a@example.com', password: 'short' }, /at least 8/],
      [{ email: 'a@example.com', password: 'password123' }, /most common/],
      [{ email: 'a@example.com', password: 'x'.repeat(129) }, /at most 128|repeats/],
      [{ email: 'a@example.com', password: 'aaaaaaaaaaaa' }, /repeats one character/],
      [{ email: 'not-an-email', password: 'a fine passphrase' }, /email/],
      [{ email: 'a@example.com', password: 'a fine passphrase', admin: true }, /unknown field/],
      [{ email: 'a@example.com', password: 12345678 }, /password/],
      [[1, 2], /JSON object/],
    ];
    for (const [body, reason] of cases) {
      const res = await anonymous.postJson('/api/auth/register', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message), JSON.stringify(body)).toMatch(reason);
    }
    // A passphrase of 64 characters and more is welcome.
    const long = await anonymous.postJson('/api/auth/register', {
      email: 'long@example.com',
      password: 'correct horse battery staple '.repeat(4),
    });
    expect(long.status).toBe(202);
  });

  it('answers a registration for a known address exactly as for a new one, and warns the owner instead', async () => {
    const register = async (email: string) => {
      const started = performance.now();
      const res = await anonymous.postJson('/api/auth/register', { email, password: 'another fine passphrase' });
      return { res, ms: performance.now() - started };
    };
    const fresh = await register(`fresh-${randomUUID()}@example.com`);
    const known = await register('LONG@example.com');
    expect(fresh.res.status).toBe(202);
    expect(known.res.status).toBe(fresh.res.status);
    expect(known.res.text).toBe(fresh.res.text);
    expect(known.res.body).toEqual({ message: expect.stringMatching(/check your email/) });
    // The same headers too (their names: values such as the date and the request id differ per request).
    const names = (h: Headers) => {
      const out: string[] = [];
      h.forEach((_value, name) => {
        out.push(name);
      });
      return out.sort();
    };
    expect(names(known.res.headers)).toEqual(names(fresh.res.headers));

    // No second account; the existing one is untouched; the owner is told (user.registration-attempted, no secret).
    const accounts = await sql<{ id: string; password_hash: string }[]>`
      select id, password_hash from users where lower(email) = 'long@example.com'`;
    expect(accounts).toHaveLength(1);
    const [attempt] = await sql<{ payload: { data: Record<string, unknown> } }[]>`
      select payload from outbox where routing_key = 'user.registration-attempted'
      and payload->'data'->>'userId' = ${accounts[0].id}`;
    expect(Object.keys(attempt.payload.data).sort()).toEqual(['attemptedAt', 'email', 'userId']);
    expect(attempt.payload.data.email).toBe('long@example.com');
    const [registered] = await sql<{ n: number }[]>`
      select count(*)::int as n from outbox where routing_key = 'user.registered'
      and payload->'data'->>'userId' = ${accounts[0].id}`;
    expect(registered.n).toBe(1);

    // The password is hashed for a known address too, so the time does not tell either: the fastest of a few
    // answers for a known address is not much faster than the fastest for new ones (without hashing it would be a
    // small fraction of it).
    const times = { fresh: [fresh.ms], known: [known.ms] };
    for (let i = 0; i < 4; i++) {
      times.fresh.push((await register(`fresh-${randomUUID()}@example.com`)).ms);
      times.known.push((await register('long@example.com')).ms);
    }
    const fastest = (xs: number[]) => Math.min(...xs);
    expect(fastest(times.known), JSON.stringify(times)).toBeGreaterThan(0.4 * fastest(times.fresh));
  });

  it('stores an Argon2id hash with the OWASP parameters, never the password', async () => {
    const [row] = await sql<
      { password_hash: string }[]
    >`select password_hash from users where email = 'long@example.com'`;
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });

  it('lets an unconfirmed account log in but not submit, until the single-use link is followed', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql, { confirm: false });
    const refused = await client.submitJson('unconfirmed', [record]);
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toMatch(/confirm your email address/);

    const [row] = await sql<{ url: string }[]>`
      select payload->'data'->>'confirmationUrl' as url from outbox
      where routing_key = 'user.registered' and payload->'data'->>'userId' = ${user.id}`;
    const link = new URL(row.url);
    // The link opens the web app's confirmation page, which confirms with POST /api/auth/confirm {token}.
    expect(`${link.origin}${link.pathname}`).toBe('http://localhost:8080/confirm');
    // Links sent before the web app existed show the gateway's page with a button (mail scanners that open links
    // do not use it up) ...
    const page = await fetch(`${gateway.url}/api/auth/confirm${link.search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="confirm">');
    // ... whose form confirms.
    const form = await fetch(`${gateway.url}/api/auth/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: link.searchParams.get('token')! }).toString(),
    });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('is confirmed');
    const twice = await anonymous.postJson('/api/auth/confirm', { token: link.searchParams.get('token') });
    expect(twice.status).toBe(409);
    expect(String(twice.body.message)).toMatch(/used already/);
    // The token from before the confirmation still says unconfirmed; the gateway checks again and lets it submit.
    const accepted = await client.submitJson('confirmed', [record]);
    expect(accepted.status).toBe(202);
  });

  it('refuses an expired confirmation link and sends a new one on request', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql, { confirm: false });
    await sql`update email_confirmations set expires_at = now() - interval '1 second' where user_id = ${user.id}`;
    const [row] = await sql<{ url: string }[]>`
      select payload->'data'->>'confirmationUrl' as url from outbox
      where routing_key = 'user.registered' and payload->'data'->>'userId' = ${user.id}`;
    const expired = await anonymous.postJson('/api/auth/confirm', {
      token: new URL(row.url).searchParams.get('token'),
    });
    expect(expired.status).toBe(410);
    expect(String(expired.body.message)).toMatch(/expired/);
    expect((await anonymous.postJson('/api/auth/confirm', { token: 'x'.repeat(43) })).status).toBe(400);
    expect((await anonymous.postJson('/api/auth/confirm', { token: '../../etc' })).status).toBe(400);

    const resent = await anonymous.postJson('/api/auth/confirmation', { email: user.email.toUpperCase() });
    expect(resent.status).toBe(202);
    const unknown = await anonymous.postJson('/api/auth/confirmation', { email: 'nobody@example.com' });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(resent.body);
    const [fresh] = await sql<{ url: string }[]>`
      select payload->'data'->>'confirmationUrl' as url from outbox
      where routing_key = 'user.confirmation-requested' and payload->'data'->>'userId' = ${user.id}`;
    const ok = await anonymous.postJson('/api/auth/confirm', { token: new URL(fresh.url).searchParams.get('token') });
    expect(ok.status).toBe(200);
    expect(ok.body.emailConfirmed).toBe(true);
  });

  it('rotates refresh tokens, revokes the family when one is reused, and logs out', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const first = await anonymous.postJson('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect(first.body.expiresIn).toBe(900);
    const [stored] = await sql<{ n: number }[]>`
      select count(*)::int as n from refresh_tokens where token_hash = ${user.refreshToken}
         or token_hash = ${String(first.body.refreshToken)}`;
    expect(stored.n, 'refresh tokens are stored hashed').toBe(0);
    // The old token again: someone has a copy. Both it and its successor stop working.
    const reused = await anonymous.postJson('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(reused.status).toBe(401);
    expect(String(reused.body.message)).toMatch(/used already/);
    const successor = await anonymous.postJson('/api/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(successor.status).toBe(401);

    const login = await anonymous.postJson('/api/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    expect((await anonymous.postJson('/api/auth/logout', { refreshToken: login.body.refreshToken })).status).toBe(204);
    expect((await anonymous.postJson('/api/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);
    expect((await anonymous.postJson('/api/auth/logout', { refreshToken: 42 })).status).toBe(400);
  });

  it('changes a password: the old one and every session of it stop working', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const wrong = await client.postJson('/api/auth/password', { currentPassword: 'not it at all', newPassword: 'x' });
    expect(wrong.status).toBe(400);
    expect(String(wrong.body.message)).toMatch(/current password is wrong/);
    const weak = await client.postJson('/api/auth/password', {
      currentPassword: user.password,
      newPassword: 'qwerty123',
    });
    expect(weak.status).toBe(400);
    const changed = await client.postJson('/api/auth/password', {
      currentPassword: user.password,
      newPassword: 'a brand new passphrase',
    });
    expect(changed.status).toBe(200);
    expect((await anonymous.postJson('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await anonymous.postJson('/api/auth/login', { email: user.email, password: user.password })).status).toBe(
      401,
    );
    const login = await anonymous.postJson('/api/auth/login', {
      email: user.email,
      password: 'a brand new passphrase',
    });
    expect(login.status).toBe(200);
  });

  it('keeps the account preferences', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const me = await client.get<{ email: string; notifyOnBatchCompleted: boolean; role: string }>('/api/account');
    expect(me.body).toMatchObject({ email: user.email, notifyOnBatchCompleted: false, role: 'user' });
    const patch = await fetch(`${gateway.url}/api/account`, {
      method: 'PATCH',
      headers: client.auth({ 'content-type': 'application/json' }),
      body: JSON.stringify({ notifyOnBatchCompleted: true }),
    });
    expect(patch.status).toBe(200);
    const [row] = await sql<{ n: boolean }[]>`select notify_batch_completed as n from users where id = ${user.id}`;
    expect(row.n).toBe(true);
    const bad = await fetch(`${gateway.url}/api/account`, {
      method: 'PATCH',
      headers: client.auth({ 'content-type': 'application/json' }),
      body: JSON.stringify({ notifyOnBatchCompleted: 'yes' }),
    });
    expect(bad.status).toBe(400);
  });

  it('answers 401 with a JSON reason to missing, expired, wrongly signed, alg none and wrong-audience tokens', async () => {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const sub = user.id;
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing', undefined, /sign in first/],
      ['not a JWT', 'Bearer not.a.jwt', /not a well-formed|not valid/],
      ['wrong scheme', `Basic ${Buffer.from('a:b').toString('base64')}`, /sign in first/],
      ['expired', `Bearer ${await token({ sub }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`, /expired/],
      [
        'wrongly signed',
        `Bearer ${await token({ sub }, { secret: 'another-secret-of-at-least-32-bytes!!' })}`,
        /signature/,
      ],
      [
        'alg none',
        `Bearer ${unsignedToken({ sub, role: 'operator', iss: 'genlake', aud: 'genlake-api', exp: 9e9, iat: 1 })}`,
        /algorithm|not valid|well-formed/,
      ],
      ['HS512', `Bearer ${await token({ sub }, { alg: 'HS512' })}`, /algorithm/],
      [
        'wrong audience',
        `Bearer ${await token({ sub }, { audience: 'someone-else' })}`,
        /claims are not valid.*\baud\b/,
      ],
      [
        'wrong issuer',
        `Bearer ${await token({ sub }, { issuer: 'https://evil.example' })}`,
        /claims are not valid.*\biss\b/,
      ],
      ['unknown role', `Bearer ${await token({ sub, role: 'admin' })}`, /role/],
    ];
    for (const [name, header, reason] of cases) {
      const res = await fetch(`${gateway.url}/api/batches`, { headers: header ? { authorization: header } : {} });
      expect(res.status, name).toBe(401);
      expect(res.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="genlake"/);
      const body = (await res.json()) as { message: string; statusCode: number };
      expect(body.statusCode, name).toBe(401);
      expect(body.message, name).toMatch(reason);
      expect(JSON.stringify(body), name).not.toMatch(/at \w+ \(|node_modules|\.ts:\d/);
    }
    // The token of this gateway's own key works: the cases above fail for the reason they name.
    expect(
      (await fetch(`${gateway.url}/api/batches`, { headers: { authorization: `Bearer ${await token({ sub })}` } }))
        .status,
    ).toBe(200);
  });

  it('refuses an unauthenticated upload before reading it', async () => {
    const res = await fetch(`${gateway.url}/api/batches?dataset=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify(record)}\n`.repeat(1000),
    });
    expect(res.status).toBe(401);
  });

  it('refuses deeply nested and prototype-polluting JSON with a 400', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const nested = await anonymous.post('/api/auth/register', `{"email":${deep}}`, {
      'content-type': 'application/json',
    });
    expect(nested.status).toBe(400);
    const proto = await anonymous.post(
      '/api/auth/login',
      '{"email":"a@b.co","password":"xxxxxxxx","__proto__":{"x":1}}',
      {
        'content-type': 'application/json',
      },
    );
    expect(proto.status).toBe(400);
  });

  it('gives users only their own data (404 for the rest) and operators everything', async () => {
    const alice = new GatewayClient(gateway.url);
    const bob = new GatewayClient(gateway.url);
    const operator = new GatewayClient(gateway.url);
    await alice.signUp(sql);
    await bob.signUp(sql);
    await operator.signUp(sql, { role: 'operator' });
    const submitted = await alice.submitJson('alice-data', [...measurements({ count: 5, seed: 1 })]);
    expect(submitted.status).toBe(202);
    const id = String(submitted.body.id);
    const taken = await bob.submitJson('alice-data', [record]);
    expect(taken.status).toBe(409);
    for (const path of [
      `/api/batches/${id}`,
      `/api/batches/${id}/result`,
      `/api/batches/${id}/events`,
      '/api/datasets/alice-data/generations',
    ]) {
      expect((await bob.get(path)).status, path).toBe(404);
    }
    expect((await bob.get<{ items: unknown[] }>('/api/batches')).body.items).toEqual([]);
    expect((await alice.get(`/api/batches/${id}`)).status).toBe(200);
    expect((await operator.get(`/api/batches/${id}`)).status).toBe(200);
    expect((await operator.get('/api/datasets/alice-data/generations')).status).toBe(200);
    const all = await operator.get<{ items: Array<{ id: string }> }>('/api/batches?limit=500');
    expect(all.body.items.map((b) => b.id)).toContain(id);
  });

  it('lets operators list, inspect and replay dead letters through the API and the CLI; users get 403', async () => {
    const user = new GatewayClient(gateway.url);
    const operator = new GatewayClient(gateway.url);
    await user.signUp(sql);
    const op = await operator.signUp(sql, { role: 'operator' });
    expect((await user.get('/api/dead-letters')).status).toBe(403);
    // Fastify's automatic HEAD routes carry the same access rules.
    const head = await fetch(`${gateway.url}/api/dead-letters`, { method: 'HEAD', headers: user.auth() });
    expect(head.status).toBe(403);

    const queue = QUEUES.processorBatchAccepted;
    const connection = new Connection(services.rabbitmqUrl);
    const [main] = queueTopology(queue, 'batch.accepted', DEFAULT_RETRY);
    await connection.queueDeclare({ queue: main.name, durable: true, arguments: main.arguments });
    const message = { id: randomUUID(), type: 'batch.accepted', marker: randomUUID() };
    const letterId = randomUUID();
    const brokenId = randomUUID();
    const secretId = randomUUID();
    // A dead user.registered: its confirmation link still works, so operators are shown it without the token.
    const secret = 'Lm4Nb6Vc8Xz0Aq2Ws4Ed6Rf8Tg0Yh2UpQ7sK1dE3fG';
    const registered = {
      id: randomUUID(),
      type: 'user.registered',
      data: { email: 'dead@example.com', confirmationUrl: `https://genlake.example/confirm?token=${secret}` },
    };
    await sql`insert into dead_letters (id, queue, message_id, message_type, correlation_id, reason, attempts, body)
      values (${letterId}, ${queue}, ${message.id}, 'batch.accepted', 'corr-1', 'failed 5 times; last error: boom', 5,
              ${JSON.stringify(message)}),
             (${brokenId}, ${queue}, 'm2', null, null, 'message body is not valid JSON', 1, '{oops'),
             (${secretId}, ${QUEUES.notifierMail}, ${registered.id}, 'user.registered', 'corr-3',
              ${`failed 3 times; last error: 554 refused mail with https://genlake.example/confirm?token=${secret}`}, 3,
              ${JSON.stringify(registered)})`;
    try {
      const list = await operator.get<{ items: Array<{ id: string; reason: string }> }>('/api/dead-letters');
      expect(list.status).toBe(200);
      expect(list.body.items.map((i) => i.id).sort()).toEqual([letterId, brokenId, secretId].sort());
      expect(JSON.stringify(list.body)).not.toContain(secret);
      const one = await operator.get<{ message: unknown; reason: string }>(`/api/dead-letters/${letterId}`);
      expect(one.body.message).toEqual(message);
      const hidden = await operator.get<{ message: typeof registered; reason: string }>(
        `/api/dead-letters/${secretId}`,
      );
      expect(JSON.stringify(hidden.body)).not.toContain(secret);
      expect(hidden.body.message.data).toEqual({
        email: 'dead@example.com',
        confirmationUrl: 'https://genlake.example/confirm?token=[redacted]',
      });
      expect(hidden.body.reason).toContain('token=[redacted]');
      // The stored message keeps the token: a replay sends the message as it was.
      const [stored] = await sql<{ body: string }[]>`select body from dead_letters where id = ${secretId}`;
      expect(stored.body).toContain(secret);
      expect((await operator.get(`/api/dead-letters/${randomUUID()}`)).status).toBe(404);
      expect((await operator.get('/api/dead-letters/not-a-uuid')).status).toBe(400);
      expect((await operator.get('/api/dead-letters?queue=nope')).status).toBe(400);

      // The CLI, signed in with the operator's email and password.
      const env = { GENLAKE_API_URL: gateway.url, GENLAKE_EMAIL: op.email, GENLAKE_PASSWORD: op.password };
      const listed = cliIo(env);
      expect(await runDeadLettersCli(['list'], listed.io)).toBe(0);
      expect(listed.out()).toContain(letterId);
      expect(listed.out()).toContain('failed 5 times');
      expect(listed.out()).not.toContain(secret);
      const shown = cliIo(env);
      expect(await runDeadLettersCli(['show', secretId], shown.io), shown.err()).toBe(0);
      expect(shown.out()).toContain('"confirmationUrl": "https://genlake.example/confirm?token=[redacted]"');
      expect(shown.out()).not.toContain(secret);
      const replayed = cliIo(env);
      expect(await runDeadLettersCli(['replay', letterId], replayed.io), replayed.err()).toBe(0);
      expect(replayed.out()).toContain(`replayed ${letterId} to ${queue}`);

      // The outbox relay publishes it to the queue it died in, unchanged, marked as a replay.
      let got: Awaited<ReturnType<typeof connection.basicGet>> | undefined;
      for (let i = 0; i < 100 && !got; i++) {
        got = await connection.basicGet({ queue, noAck: true });
        if (!got) await new Promise((r) => setTimeout(r, 100));
      }
      expect(got, 'the replayed message reached its queue').toBeDefined();
      const received = Buffer.isBuffer(got!.body) ? JSON.parse(got!.body.toString()) : got!.body;
      expect(received).toEqual(message);
      expect(got!.headers?.['x-genlake-replay-of']).toBe(letterId);

      const again = cliIo(env);
      expect(await runDeadLettersCli(['replay', letterId], again.io)).toBe(1);
      expect(again.err()).toMatch(/409.*force/);
      expect((await operator.post(`/api/dead-letters/${letterId}/replay?force=true`, '', {})).status).toBe(202);
      const broken = await operator.post(`/api/dead-letters/${brokenId}/replay`, '', {});
      expect(broken.status).toBe(409);
      expect(String(broken.body.message)).toMatch(/not a JSON message/);

      const denied = cliIo({ GENLAKE_API_URL: gateway.url });
      expect(await runDeadLettersCli(['list'], denied.io)).toBe(1);
      expect(denied.err()).toMatch(/GENLAKE_TOKEN/);
      const badUrl = cliIo({ ...env, GENLAKE_API_URL: 'not a url' });
      expect(await runDeadLettersCli(['list'], badUrl.io)).toBe(1);
      expect(badUrl.err()).toMatch(/not a URL/);
    } finally {
      await connection.close();
    }
  });

  it('creates the first operator with the accounts CLI', async () => {
    const env = { DATABASE_URL: services.databaseUrl, GENLAKE_PASSWORD: 'operator passphrase one' };
    const created = cliIo(env);
    expect(
      await runAccountsCli(['create', '--email', 'ops@example.com', '--role', 'operator', '--confirmed'], created.io),
      created.err(),
    ).toBe(0);
    expect(JSON.parse(created.out())).toMatchObject({
      email: 'ops@example.com',
      role: 'operator',
      emailConfirmed: true,
    });
    const login = await anonymous.postJson('/api/auth/login', {
      email: 'ops@example.com',
      password: 'operator passphrase one',
    });
    expect(login.status).toBe(200);
    const duplicate = cliIo(env);
    expect(await runAccountsCli(['create', '--email', 'ops@example.com'], duplicate.io)).toBe(1);
    expect(duplicate.err()).toMatch(/exists/);
    const badRole = cliIo(env);
    expect(await runAccountsCli(['role', 'ops@example.com', 'root'], badRole.io)).toBe(1);
    expect(badRole.err()).toMatch(/root/);
    const noPassword = cliIo({ DATABASE_URL: services.databaseUrl });
    expect(await runAccountsCli(['create', '--email', 'x@example.com'], noPassword.io)).toBe(1);
    expect(noPassword.err()).toMatch(/GENLAKE_PASSWORD/);
  });

  it('throttles failed logins per account, even when the right password comes next', async () => {
    const client = new GatewayClient(limited.url);
    const user = await new GatewayClient(gateway.url).signUp(sql);
    for (let i = 0; i < 3; i++) {
      const res = await client.postJson('/api/auth/login', { email: user.email, password: `wrong guess ${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await client.postJson('/api/auth/login', { email: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(String(blocked.body.message)).toMatch(/too many failed logins/);
  });

  it('limits requests per user with 429 and Retry-After', async () => {
    const client = new GatewayClient(limited.url);
    await new GatewayClient(gateway.url)
      .signUp(sql)
      .then((u) => client.postJson('/api/auth/login', { email: u.email, password: u.password }))
      .then((r) => {
        client.token = String(r.body.accessToken);
      });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await client.get('/api/account');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(200));
    expect(statuses.slice(8)).toEqual(Array(4).fill(429));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another user is not affected.
    const other = new GatewayClient(limited.url);
    await new GatewayClient(gateway.url)
      .signUp(sql)
      .then((u) => other.postJson('/api/auth/login', { email: u.email, password: u.password }))
      .then((r) => {
        other.token = String(r.body.accessToken);
      });
    expect((await other.get('/api/account')).status).toBe(200);
  });

  it('limits the account routes per address (last: it spends the budget of this address)', async () => {
    const client = new GatewayClient(limited.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 25; i++) {
      const res = await client.postJson('/api/auth/login', {
        email: `nobody${i}@example.com`,
        password: 'whatever it is',
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(20);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

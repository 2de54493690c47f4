#!/usr/bin/env node
// The baseline of `npm run bench`: a bare Fastify 5 + postgres.js server, run as its own process by
// scripts/bench/run.js.
//
// Without AUTH_JWT_SECRET (the accept scenario): POST /api/batches parses the JSON body (Fastify's own parser)
// and INSERTs it, as jsonb, into one table, answering 202 with the new row's id. No validation, no hashing, no
// outbox, no authentication: the least work an HTTP API can do to accept a batch durably.
//
// With AUTH_JWT_SECRET (the accounts scenario) it also does the least a real login must do, with the same
// libraries and parameters as the gateway:
//   POST /api/auth/login {email, password}: selects the user by email (the gateway's `users` table and its
//     lower(email) index), checks the password with argon2.verify (Argon2id; the parameters are those in the
//     stored hash, i.e. the gateway's), signs an HS256 JWT with jose (the gateway's claims: sub, role,
//     email_verified, iss, aud, iat, exp, jti) and answers 200 {tokenType, accessToken, expiresIn}. No refresh
//     token, no throttling, no schema validation, no timing protection for unknown emails.
//   POST /api/batches: verifies the Bearer JWT with jose (HS256 only, issuer, audience, expiry; 401 otherwise)
//     before the body is read, refuses a token of an unconfirmed account (403), then the same jsonb INSERT.
//
// Environment: PORT (required), DATABASE_URL (required; the batches table is created if missing; with
// AUTH_JWT_SECRET the `users` table must exist), DATABASE_POOL_MAX (default 20), HOST (default 127.0.0.1),
// AUTH_JWT_SECRET (optional, see above; tokens: issuer genlake, audience genlake-api, one hour, as run.js's gateway).

const { randomUUID } = require('node:crypto');
const fastify = require('fastify');
const postgres = require('postgres');

const port = Number(process.env.PORT);
const databaseUrl = process.env.DATABASE_URL;
if (!Number.isInteger(port) || port <= 0 || !databaseUrl) {
  process.stderr.write('baseline-server: PORT and DATABASE_URL must be set\n');
  process.exit(2);
}

const sql = postgres(databaseUrl, {
  max: Number(process.env.DATABASE_POOL_MAX ?? 20),
  onnotice: () => {},
  connection: { application_name: 'bench-baseline' },
});

const app = fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

const secret = process.env.AUTH_JWT_SECRET;
const auth = secret ? accounts(secret) : undefined;

app.post('/api/batches', auth ? { onRequest: auth.authenticate } : {}, async (request, reply) => {
  const [row] = await sql`insert into bench_baseline_batches (body) values (${sql.json(request.body)}) returning id`;
  reply.code(202);
  return { id: row.id, status: 'accepted' };
});

if (auth) app.post('/api/auth/login', auth.login);

app.get('/health/ready', async () => {
  await sql`select 1`;
  return { ready: true };
});

/** The login route and the Bearer check of the accounts scenario. */
function accounts(jwtSecret) {
  const argon2 = require('argon2');
  const { SignJWT, jwtVerify } = require('jose');
  const key = new TextEncoder().encode(jwtSecret);
  // The gateway's defaults (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE) and the token lifetime run.js gives it.
  const issuer = 'genlake';
  const audience = 'genlake-api';
  const ttl = 3600;
  const deny = (reply, status, message) => reply.code(status).send({ statusCode: status, message });

  async function login(request, reply) {
    const { email, password } = request.body ?? {};
    if (typeof email !== 'string' || typeof password !== 'string') return deny(reply, 400, 'email and password');
    const [user] = await sql`
      select id, password_hash, role, email_confirmed_at from users where lower(email) = lower(${email})`;
    if (!user || !(await argon2.verify(user.password_hash, password))) return deny(reply, 401, 'wrong credentials');
    const accessToken = await new SignJWT({ role: user.role, email_verified: user.email_confirmed_at !== null })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .setJti(randomUUID())
      .sign(key);
    return { tokenType: 'Bearer', accessToken, expiresIn: ttl };
  }

  async function authenticate(request, reply) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim()) : null;
    if (!match) return deny(reply, 401, 'no bearer token');
    try {
      const { payload } = await jwtVerify(match[1], key, {
        algorithms: ['HS256'],
        issuer,
        audience,
        requiredClaims: ['sub', 'exp', 'iat'],
        typ: 'JWT',
      });
      if (payload.email_verified !== true) return deny(reply, 403, 'unconfirmed account');
      request.userId = payload.sub;
    } catch {
      return deny(reply, 401, 'invalid token');
    }
  }

  return { login, authenticate };
}

async function main() {
  await sql`
    create table if not exists bench_baseline_batches (
      id bigserial primary key,
      body jsonb not null,
      created_at timestamptz not null default now())`;
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await app.close();
    await sql.end({ timeout: 5 });
  } finally {
    process.exit(0);
  }
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

main().catch((err) => {
  process.stderr.write(`baseline-server: ${err.stack ?? err}\n`);
  process.exit(1);
});

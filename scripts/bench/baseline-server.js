#!/usr/bin/env node
// The accepting baseline of `npm run bench`: a bare Fastify 5 + postgres.js server whose
// POST /api/batches parses the JSON body (Fastify's own parser) and INSERTs it, as jsonb, into one
// table, answering 202 with the new row's id. No validation, no hashing, no outbox: the least work
// an HTTP API can do to accept a batch durably. Run as its own process by scripts/bench/run.js.
//
// Environment: PORT (required), DATABASE_URL (required; the table is created if missing),
// DATABASE_POOL_MAX (default 20), HOST (default 127.0.0.1).

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

app.post('/api/batches', async (request, reply) => {
  const [row] = await sql`insert into bench_baseline_batches (body) values (${sql.json(request.body)}) returning id`;
  reply.code(202);
  return { id: row.id, status: 'accepted' };
});

app.get('/health/ready', async () => {
  await sql`select 1`;
  return { ready: true };
});

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

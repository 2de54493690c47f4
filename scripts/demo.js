#!/usr/bin/env node
// Submits sample batches of several sizes to a running genlake, follows their progress live,
// prints their generations and corrections, and queries the lake with DuckDB.
// It first signs up a demo user: registers, reads the confirmation email from the mail relay's HTTP API (the
// mail stub of `npm start` or Mailpit of compose, both at http://localhost:8025), confirms and logs in.
// Usage: npm run demo [-- --url http://localhost:8080 --mail http://localhost:8025]
const { parseArgs } = require('node:util');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { GatewayClient, measurements, ndjsonChunks, toCsv } = require('@genlake/testing');

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.GENLAKE_URL ?? 'http://localhost:8080' },
    mail: { type: 'string', default: process.env.GENLAKE_MAIL_URL ?? 'http://localhost:8025' },
  },
});

async function json(res, what) {
  const text = await res.text();
  if (!res.ok) {
    console.error(`error: ${what}: ${res.status} ${text.slice(0, 300)}`);
    process.exit(1);
  }
  return text ? JSON.parse(text) : undefined;
}

/** The confirmation link of the newest email to `email`, read from a Mailpit-compatible API. */
async function confirmationLink(email) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const list = await (await fetch(`${values.mail}/api/v1/messages`)).json();
      const found = (list.messages ?? []).find((m) => (m.To ?? []).some((t) => t.Address === email));
      if (found) {
        const message = await (await fetch(`${values.mail}/api/v1/message/${found.ID}`)).json();
        const link = /https?:\/\/\S+\/(?:api\/auth\/)?confirm\?token=[A-Za-z0-9_-]+/.exec(message.Text ?? '');
        if (link) return link[0];
      }
    } catch {
      // the mail relay is not up (yet)
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(
    `error: no confirmation email for ${email} at ${values.mail} within a minute; is the notifier running?`,
  );
  process.exit(1);
}

/** Registers a demo user, confirms it with the emailed link and logs in. */
async function signUp(client) {
  const email = `demo-${Date.now()}@example.com`;
  const password = `demo passphrase ${Math.random().toString(36).slice(2)}`;
  const post = (path, body) =>
    fetch(`${values.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await json(await post('/api/auth/register', { email, password, notifyOnBatchCompleted: true }), 'register');
  console.log(`registered ${email}; waiting for the confirmation email at ${values.mail} ...`);
  const link = new URL(await confirmationLink(email));
  await json(await post('/api/auth/confirm', { token: link.searchParams.get('token') }), 'confirm');
  const tokens = await json(await post('/api/auth/login', { email, password }), 'login');
  client.token = tokens.accessToken;
  console.log(`confirmed and logged in (emails about completed batches go to ${values.mail})\n`);
}

async function main() {
  const client = new GatewayClient(values.url);
  try {
    await fetch(`${values.url}/health/ready`);
  } catch {
    console.error(`error: no genlake at ${values.url}; start it with "npm start" (or pass --url)`);
    process.exit(1);
  }
  await signUp(client);
  const dataset = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '').toLowerCase()}`;
  const plan = [
    { label: 'tiny JSON', count: 12, kind: 'json' },
    { label: 'small JSON', count: 2_000, kind: 'json' },
    { label: 'CSV upload', count: 20_000, kind: 'csv' },
    { label: 'NDJSON stream', count: 100_000, kind: 'ndjson' },
    { label: 'outlier JSON', count: 2_000, kind: 'json', shift: 400 },
  ];
  console.log(`submitting ${plan.length} batches to dataset ${dataset} at ${values.url}\n`);
  const ids = [];
  for (const [i, p] of plan.entries()) {
    const opts = { count: p.count, entities: 5, seed: i + 1, shift: p.shift ?? 0 };
    const started = Date.now();
    const res =
      p.kind === 'json'
        ? await client.submitJson(dataset, [...measurements(opts)], 2)
        : p.kind === 'csv'
          ? await client.submitStream(dataset, toCsv(measurements(opts)), 'text/csv', 2)
          : await client.submitStream(dataset, ndjsonChunks(opts), 'application/x-ndjson', 2);
    if (res.status !== 202) {
      console.error(`error: ${p.label} was refused: ${res.status} ${res.text}`);
      process.exit(1);
    }
    ids.push(res.body.id);
    console.log(
      `  ${p.label.padEnd(14)} ${String(p.count).padStart(7)} records  -> 202 in ${Date.now() - started} ms  ${res.body.id}`,
    );
  }

  console.log('\nprogress:');
  const last = new Map();
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const batches = await Promise.all(ids.map((id) => client.batch(id)));
    for (const b of batches) {
      if (last.get(b.id) !== b.status) {
        last.set(b.id, b.status);
        console.log(`  ${new Date().toISOString().slice(11, 23)}  ${b.id.slice(0, 8)}  ${b.status}`);
      }
    }
    if (batches.every((b) => b.status === 'completed')) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const gens = await client.get(`/api/datasets/${dataset}/generations`);
  console.log('\ngenerations:');
  for (const g of gens.body.generations) {
    const tables = Object.entries(g.tables)
      .map(([t, s]) => `${t}=${s.rows}`)
      .join(' ');
    const used = g.usedGenerations?.length ? ` used=[${g.usedGenerations.join(',')}]` : '';
    console.log(`  #${g.number} ${g.stage.padEnd(9)} ${tables}${used}`);
  }

  console.log('\nthe lake, queried with DuckDB:');
  const sql = `select generation, count(*) as corrections, round(avg(score), 1) as mean_score, any_value(reason) as example
               from corrections where dataset = '${dataset}' group by generation order by generation`;
  console.log(`  npm run lake -- query "${sql.replace(/\s+/g, ' ')}"\n`);
  execFileSync(process.execPath, [join(__dirname, '..', 'lake', 'dist', 'cli.js'), 'query', sql], { stdio: 'inherit' });
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});

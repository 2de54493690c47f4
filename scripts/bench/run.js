#!/usr/bin/env node
// `npm run bench`: throughput and latency of genlake on this machine, each beside a baseline measured the
// same way in the same run.
//
//   1. accept:   POST /api/batches (10 records, JSON) at N concurrent connections, all as one signed-in user,
//                against the real gateway process, and against a bare Fastify + postgres.js server
//                (scripts/bench/baseline-server.js, no authentication); then the outbox backlog the gateway's
//                relay left and how long it took to drain.
//   2. accounts: N users (default 10,000, pre-created and confirmed in the database), one connection each, all
//                at once: the connections are opened, every user logs in once (POST /api/auth/login, Argon2id),
//                then every connection submits 10-record JSON batches with its own user's access token for
//                --duration seconds. Against the gateway and against the baseline server with its minimal login
//                (select by email, argon2.verify, jose HS256) and Bearer check (jose). Driven by
//                scripts/bench/connections.js (raw keep-alive sockets, one per user).
//   3. pipeline: records/s from accept to completed for a dataset sent as 10 NDJSON streams (gateway,
//                processor and corrector as processes), and DuckDB reading the same records from one NDJSON
//                file and writing them as Parquet; then where the pipeline's time went, from the batches' timestamps.
//
// Usage: node scripts/bench/run.js [--only accept|accounts|pipeline] [--duration 20] [--connections 1000]
//                                  [--users 10000] [--records 1000000]
// Needs PostgreSQL (postgres://postgres@127.0.0.1:5432) and RabbitMQ with its management plugin
// (amqp://guest:guest@127.0.0.1:5672, http://127.0.0.1:15672) unless BENCH_DATABASE_URL / BENCH_RABBITMQ_URL /
// BENCH_RABBITMQ_MANAGEMENT_URL say otherwise; each scenario gets its own fresh database and virtual host,
// dropped at the end (also on failure and on Ctrl-C).

const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { once } = require('node:events');
const { createWriteStream } = require('node:fs');
const { rm, stat, writeFile } = require('node:fs/promises');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { parseArgs } = require('node:util');

// ---------------------------------------------------------------------------------------------------------
// Options

const SCENARIOS = ['accept', 'accounts', 'pipeline'];
const MAX_USERS = 15_000;

const USAGE = `usage: node scripts/bench/run.js [--only accept|accounts|pipeline] [--duration SECONDS] [--connections N]
                               [--users N] [--records N]

  --only SCENARIO          run one scenario: accept, accounts or pipeline (default: all three)
  --duration SECONDS       measured load per server after a 5-s warm-up: accept, and the accounts scenario's
                           submitting phase (default 20; 1..600)
  --connections N          concurrent connections in the accept scenario (default 1000; 1..10000)
  --users N                users of the accounts scenario, one connection each, all at once (default 10000;
                           1..${MAX_USERS}; needs about N + 500 open files: see ulimit -n)
  --records N              records of the pipeline dataset, sent as 10 NDJSON streams (default 1000000; 10..20000000)`;

function badUsage(message) {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function intOption(values, name, min, max) {
  const raw = values[name];
  if (!/^\d+$/.test(raw)) badUsage(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) badUsage(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        only: { type: 'string' },
        duration: { type: 'string', default: '20' },
        connections: { type: 'string', default: '1000' },
        users: { type: 'string', default: '10000' },
        records: { type: 'string', default: '1000000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    badUsage(err.message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.only !== undefined && !SCENARIOS.includes(values.only)) {
    badUsage(`--only must be one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(values.only)}`);
  }
  const chosen = {
    only: values.only,
    duration: intOption(values, 'duration', 1, 600),
    connections: intOption(values, 'connections', 1, 10_000),
    users: intOption(values, 'users', 1, MAX_USERS),
    records: intOption(values, 'records', 10, 20_000_000),
  };
  chosen.runs = (name) => chosen.only === undefined || chosen.only === name;
  if (chosen.runs('accounts')) {
    // run.js holds one socket per user, and so does the server it measures (both inherit this limit).
    const limit = require('./connections').openFilesLimit();
    if (chosen.users + 500 > limit) {
      badUsage(
        `--users ${chosen.users} needs about ${chosen.users + 500} open files per process, but the limit is ${limit} ` +
          '(raise it with ulimit -n, or use fewer users)',
      );
    }
  }
  return chosen;
}

const options = parseOptions();

// Loaded after the options are checked, so that a bad option answers at once.
const autocannon = require('autocannon');
const postgres = require('postgres');
const { GatewayClient, measurements, ndjsonChunks, queueDepth } = require('@genlake/testing');
const {
  REPO_ROOT,
  SERVER_URL,
  MANAGEMENT_URL,
  onCleanup,
  cleanupAll,
  resetCleanup,
  installSignalHandlers,
  adminSql,
  freshDatabaseName,
  management,
  freshVhost,
  tempDir,
  logTails,
  startService,
  startBaseline,
  BENCH_JWT_SECRET,
  gatewayBenchEnv,
  benchEmail,
  createConfirmedUsers,
  loginToken,
  cpuSnapshot,
  cpuUse,
  describeCpu,
  tcpCounters,
  tcpDelta,
  checkpoint,
  declareProcessorQueues,
  fmtInt,
  fmt1,
  fmt2,
  secs,
  ratio,
  pct,
  say,
} = require('./lib');
const { HttpConnection, postRequest, watchTimeouts, latencySummary, bump } = require('./connections');

const WARMUP_SECONDS = 5;
const STREAMS = 10;

installSignalHandlers();

// ---------------------------------------------------------------------------------------------------------
// Scenario 1: accepting batches

const ACCEPT_RECORDS = [...measurements({ count: 10, entities: 5, seed: 42 })];
/** The 10-record JSON batch of the accept and accounts scenarios, for a dataset (a dataset belongs to one user). */
const batchBody = (dataset) => JSON.stringify({ dataset, records: ACCEPT_RECORDS, options: { complexity: 1 } });
const ACCEPT_BODY = batchBody('bench');

/** Drives `url` with autocannon from this process: a warm-up (discarded), then the measured run. */
async function loadTest(label, url, roles, headers = {}) {
  const common = {
    url: `${url}/api/batches`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: ACCEPT_BODY,
    connections: options.connections,
    timeout: 30,
  };
  say(`  ${label}: warm-up ${WARMUP_SECONDS} s at ${options.connections} connections...`);
  await autocannon({ ...common, duration: WARMUP_SECONDS });
  await sleep(1000); // let the warm-up's abandoned requests finish
  say(`  ${label}: measuring ${options.duration} s...`);
  const errorKinds = {};
  const before = cpuSnapshot();
  const run = autocannon({ ...common, duration: options.duration });
  run.on('reqError', (err) => {
    const kind = err?.code ?? err?.message ?? String(err);
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  });
  const r = await run;
  const cpu = cpuUse(before, cpuSnapshot(), roles);
  const codes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
  const accepted = codes['202'] ?? 0;
  const other = Object.entries(codes)
    .filter(([code]) => code !== '202')
    .reduce((n, [, c]) => n + c, 0);
  const out = {
    label,
    seconds: r.duration,
    accepted,
    perSecond: accepted / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non202: other,
    codes,
    errors: r.errors,
    errorKinds,
    timeouts: r.timeouts,
    cpu,
  };
  say(
    `  ${label}: ${fmtInt(out.perSecond)} accepted/s (${fmtInt(accepted)} in ${fmt1(r.duration)} s), latency p50 ${out.p50} ms, ` +
      `p99 ${out.p99} ms, max ${out.max} ms; non-202 ${out.non202}${out.non202 ? ` ${JSON.stringify(codes)}` : ''}, ` +
      `errors ${out.errors}${out.errors ? ` ${JSON.stringify(errorKinds)}` : ''} (timeouts ${out.timeouts})`,
  );
  say(`  ${label}: ${describeCpu(cpu)}`);
  if (accepted > 0) {
    out.cpuPerBatchUs = Object.fromEntries(
      Object.entries(cpu.seconds).map(([role, sec]) => [role, (sec / accepted) * 1e6]),
    );
    const parts = Object.entries(out.cpuPerBatchUs)
      .filter(([role]) => role !== 'other processes')
      .sort((x, y) => y[1] - x[1])
      .map(([role, us]) => `${role} ${fmtInt(us)} us`);
    say(`  ${label}: CPU per accepted batch: ${parts.join(', ')}`);
  }
  return out;
}

/** A scenario's temp dir, fresh database and virtual host, and the environment of a gateway using them. */
async function scenarioSetup(name) {
  const dir = await tempDir(name);
  const db = freshDatabaseName(name);
  const mq = await freshVhost(name);
  const gatewayEnv = {
    ...gatewayBenchEnv(),
    DATABASE_URL: db.url,
    RABBITMQ_URL: mq.url,
    STORAGE_URL: join(dir, 'storage'),
    WORK_DIR: join(dir, 'work-gw'),
    DATABASE_POOL_MAX: '20',
  };
  return { dir, logs: join(dir, 'logs'), db, mq, gatewayEnv };
}

async function acceptScenario() {
  say('\n## 1. Accepting batches');
  say(
    `POST /api/batches, JSON, 10 records, ${options.connections} connections (one signed-in user), ${WARMUP_SECONDS} s warm-up then ${options.duration} s\n`,
  );
  const { logs, db, mq, gatewayEnv } = await scenarioSetup('accept');
  try {
    // The gateway creates and migrates the database; one confirmed user is created and logs in through the API
    // (its access token lasts an hour); the gateway is stopped again at once so that the baseline runs first,
    // alone, on the same database (the order least favourable to genlake: it runs second). Both servers get the
    // same requests, Authorization header included (the baseline ignores it).
    const first = await startService('gateway', gatewayEnv, logs);
    await createConfirmedUsers(db.url, 1);
    const authorization = `Bearer ${await loginToken(first.service.url, benchEmail(0))}`;
    await first.stop();
    // The processor's queues, so that the relay's messages are routed and kept as in production (no processor runs).
    await declareProcessorQueues(mq.url);

    const baselineServer = await startBaseline(db.url, logs);
    await checkpoint(db.url);
    const baseline = await loadTest(
      'baseline (Fastify + postgres.js)',
      baselineServer.url,
      new Map([[baselineServer.pid, 'baseline server']]),
      { authorization },
    );
    await baselineServer.stop();

    const gw = await startService('gateway', gatewayEnv, logs);
    await checkpoint(db.url);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    onCleanup('accept sql', () => sql.end({ timeout: 5 }));
    const genlake = await loadTest('genlake gateway', gw.service.url, new Map([[gw.service.pid, 'gateway']]), {
      authorization,
    });
    const [{ n: backlog }] = await sql`select count(*)::int as n from outbox where sent_at is null`;
    const drainCpuBefore = cpuSnapshot();
    const drainStart = performance.now();
    let left = backlog;
    const drainDeadline = Date.now() + 300_000;
    while (left > 0 && Date.now() < drainDeadline) {
      await sleep(100);
      [{ n: left }] = await sql`select count(*)::int as n from outbox where sent_at is null`;
    }
    const drainMs = performance.now() - drainStart;
    const drainCpu = cpuUse(drainCpuBefore, cpuSnapshot(), new Map([[gw.service.pid, 'gateway']]));
    const [{ n: batches }] = await sql`select count(*)::int as n from batches`;
    const queued = await queueDepth(mq.url, mq.vhost, 'processor.batch-accepted');
    const relay = { backlog, drainMs, drained: left === 0, left, batches, queued, drainCpu };
    say(
      `  outbox backlog at the end of the load: ${fmtInt(backlog)} rows; ` +
        (left === 0
          ? `drained in ${secs(drainMs)} (${fmtInt(backlog / Math.max(drainMs / 1000, 0.001))} messages/s)`
          : `NOT drained after ${secs(drainMs)}: ${fmtInt(left)} rows left`),
    );
    if (backlog > 0 && left === 0) {
      const perMessage = Object.entries(drainCpu.seconds)
        .filter(([role]) => role !== 'other processes')
        .sort((x, y) => y[1] - x[1])
        .map(([role, s]) => `${role} ${fmtInt((s / backlog) * 1e6)} us`)
        .join(', ');
      say(`  relay drain: ${describeCpu(drainCpu)}; CPU per message: ${perMessage}`);
    }
    say(`  batches in the database: ${fmtInt(batches)}; messages in processor.batch-accepted: ${fmtInt(queued)}`);
    await gw.stop();
    const r = ratio(genlake.perSecond, baseline.perSecond);
    say(`  ratio genlake / baseline: ${fmt2(r)} (${pct(r)})`);
    return { baseline, genlake, relay, ratio: r };
  } catch (err) {
    process.stderr.write(await logTails(logs));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 2: accounts -- many users log in at once, then submit

/** How long a login may wait for its answer: they all queue for the password hash (about 90/s on 2 cores). */
const LOGIN_TIMEOUT_MS = 900_000;
/** How long a batch may wait for its answer in the submitting phase (as autocannon's timeout in accept). */
const SUBMIT_TIMEOUT_MS = 30_000;

const errorCode = (err) => err?.code ?? err?.message ?? String(err);
const fmtMs = (ms) => (Number.isFinite(ms) ? `${fmtInt(ms)} ms` : 'n/a');
const sumCounts = (counts, except) =>
  Object.entries(counts)
    .filter(([k]) => k !== except)
    .reduce((n, [, c]) => n + c, 0);
const describeCounts = (counts) => (Object.keys(counts).length ? JSON.stringify(counts) : 'none');
const describeTcp = (d) =>
  `listen queue overflows ${fmtInt(d.ListenOverflows)}, SYN cookies sent ${fmtInt(d.SyncookiesSent)}, ` +
  `SYNs retransmitted ${fmtInt(d.TCPSynRetrans)}, TCP retransmission timeouts ${fmtInt(d.TCPTimeouts)}`;

/**
 * Opens `conns` all at once. The handshake times include this process's own delay (it creates all the sockets in
 * one go before it handles any 'connect' event); the kernel's counters say whether the server's listen queue
 * (backlog 511 in Node, the default of both servers) overflowed: ListenOverflows counts handshakes completed by a
 * client that the full accept queue could not take (the client retransmits; with SYN cookies it may believe it is
 * connected and its first request waits), SyncookiesSent SYNs answered with a cookie because the SYN queue was
 * full, TCPSynRetrans SYNs sent again. They count for the whole machine.
 */
async function openConnections(conns) {
  const tcpBefore = tcpCounters();
  const started = performance.now();
  const ms = [];
  const errors = {};
  await Promise.all(
    conns.map((c) =>
      c.connect().then(
        (t) => ms.push(t),
        (err) => bump(errors, errorCode(err)),
      ),
    ),
  );
  return {
    totalMs: performance.now() - started,
    opened: ms.length,
    ...latencySummary(ms),
    slow: ms.filter((t) => t >= 1000).length,
    tcp: tcpDelta(tcpBefore, tcpCounters()),
    errors,
  };
}

/**
 * One server of the accounts scenario: open one connection per user, all at once; phase 1, every connection logs
 * its user in once, all at once; phase 2, every connection that got a token submits 10-record JSON batches with it,
 * one after the other, for a warm-up and then --duration seconds.
 */
async function accountsRun(label, baseUrl, databaseUrl, roles, users, password) {
  const { hostname, port } = new URL(baseUrl);
  const host = `${hostname}:${port}`;
  const conns = Array.from({ length: users }, () => new HttpConnection(hostname, Number(port)));
  const closeAll = () => {
    for (const c of conns) c.destroy();
  };
  const unregister = onCleanup(`${label} connections`, closeAll);
  try {
    say(`  ${label}: opening ${fmtInt(users)} connections at once...`);
    const connect = await openConnections(conns);
    say(
      `  ${label}: ${fmtInt(connect.opened)} connections open after ${secs(connect.totalMs)}; handshake p50 ${fmtMs(connect.p50)}, ` +
        `p99 ${fmtMs(connect.p99)}, max ${fmtMs(connect.max)} (this process's own delay included); errors ${describeCounts(connect.errors)}; ` +
        `kernel: ${describeTcp(connect.tcp)}`,
    );

    // Phase 1: every connection logs its user in, all at once.
    const loginBytes = conns.map((_, i) =>
      postRequest(host, '/api/auth/login', JSON.stringify({ email: benchEmail(i), password })),
    );
    const tokens = new Array(users);
    const login = { latencies: [], done: [], codes: {}, errors: {} };
    const stopLoginWatch = watchTimeouts(conns, LOGIN_TIMEOUT_MS, (c) =>
      c.abort(Object.assign(new Error('login timed out'), { code: 'TIMEOUT' })),
    );
    say(`  ${label}: phase 1, ${fmtInt(connect.opened)} logins at once...`);
    const loginCpuBefore = cpuSnapshot();
    const loginTcpBefore = tcpCounters();
    const loginStart = performance.now();
    const progress = setInterval(() => {
      say(`    ... ${fmtInt(login.done.length)} logins answered after ${secs(performance.now() - loginStart)}`);
    }, 30_000);
    // A login answered 503/429 with Retry-After (the gateway sheds logins it could not hash within its wait limit)
    // is sent again on the same connection after that many seconds (plus up to 50 % jitter), as the web app does;
    // its latency runs from the first attempt to the final answer.
    const attemptLogin = async (c, i, firstSent) => {
      // A connection may have been closed by the server while this user waited out a Retry-After (Fastify closes
      // keep-alive connections idle for 72 s): a browser reconnects, so does this.
      if (!c.open) await c.connect();
      const r = await c.request(loginBytes[i]);
      const retryAfter = Number(r.headers?.['retry-after'] ?? Number.NaN);
      if ((r.status === 503 || r.status === 429) && Number.isFinite(retryAfter)) {
        login.shed++;
        await sleep(retryAfter * 1000 * (1 + Math.random() * 0.5));
        return attemptLogin(c, i, firstSent);
      }
      return { ...r, ms: performance.now() - firstSent };
    };
    login.shed = 0;
    await Promise.all(
      conns.map((c, i) =>
        c.open
          ? attemptLogin(c, i, performance.now()).then(
              (r) => {
                login.latencies.push(r.ms);
                login.done.push(performance.now() - loginStart);
                bump(login.codes, r.status);
                if (r.status === 200) tokens[i] = JSON.parse(r.body.toString('utf8')).accessToken;
              },
              (err) => bump(login.errors, errorCode(err)),
            )
          : undefined,
      ),
    );
    const loginMs = performance.now() - loginStart;
    clearInterval(progress);
    stopLoginWatch();
    const loginCpu = cpuUse(loginCpuBefore, cpuSnapshot(), roles);
    const ok = login.codes['200'] ?? 0;
    login.done.sort((a, b) => a - b);
    const phase1 = {
      attempted: connect.opened,
      ok,
      non200: sumCounts(login.codes, '200'),
      codes: login.codes,
      shed: login.shed,
      errors: sumCounts(login.errors),
      errorKinds: login.errors,
      totalMs: loginMs,
      perSecond: ok / (loginMs / 1000),
      ...latencySummary(login.latencies),
      firstAnswerMs: login.done[0] ?? Number.NaN,
      halfAnsweredMs: login.done[Math.floor(login.done.length / 2)] ?? Number.NaN,
      cpu: loginCpu,
      tcp: tcpDelta(loginTcpBefore, tcpCounters()),
    };
    say(
      `  ${label}: ${fmtInt(phase1.perSecond)} logins/s (${fmtInt(ok)} answered 200 in ${secs(loginMs)}); latency p50 ${fmtMs(phase1.p50)}, ` +
        `p99 ${fmtMs(phase1.p99)}, max ${fmtMs(phase1.max)}; first answer after ${secs(phase1.firstAnswerMs)}, half answered after ` +
        `${secs(phase1.halfAnsweredMs)}; shed (503 + Retry-After, sent again) ${fmtInt(phase1.shed)}; non-200 ${phase1.non200}${phase1.non200 ? ` ${JSON.stringify(login.codes)}` : ''}, ` +
        `errors ${phase1.errors}${phase1.errors ? ` ${JSON.stringify(login.errors)}` : ''}`,
    );
    say(`  ${label}: ${describeCpu(loginCpu)}`);
    say(`  ${label}: kernel during the logins: ${describeTcp(phase1.tcp)}`);
    if (ok > 0) {
      const parts = Object.entries(loginCpu.seconds)
        .filter(([role]) => role !== 'other processes')
        .sort((x, y) => y[1] - x[1])
        .map(([role, sec]) => `${role} ${fmt1((sec / ok) * 1000)} ms`);
      say(`  ${label}: CPU per login: ${parts.join(', ')}`);
    }

    // Logins lost to a connection error (a reset after a full listen queue, a failed handshake) are tried once
    // more, on a new connection, so that phase 2 has every user on both sides; not counted in phase 1's figures.
    const failed = conns.map((c, i) => ({ c, i })).filter(({ i }) => tokens[i] === undefined);
    const retry = { attempted: failed.length, ok: 0, codes: {}, errors: {}, ms: 0 };
    if (failed.length) {
      const started = performance.now();
      await Promise.all(
        failed.map(({ c, i }) =>
          (c.open ? Promise.resolve() : c.connect())
            .then(() => c.request(loginBytes[i]))
            .then(
              (r) => {
                bump(retry.codes, r.status);
                if (r.status === 200) {
                  tokens[i] = JSON.parse(r.body.toString('utf8')).accessToken;
                  retry.ok++;
                }
              },
              (err) => bump(retry.errors, errorCode(err)),
            ),
        ),
      );
      retry.ms = performance.now() - started;
      say(
        `  ${label}: ${fmtInt(failed.length)} failed logins tried again on a new connection: ${fmtInt(retry.ok)} got 200 in ${secs(retry.ms)} ` +
          `(answers ${describeCounts(retry.codes)}, errors ${describeCounts(retry.errors)})`,
      );
    }

    // Between the phases: the servers close keep-alive connections idle for 72 s (Fastify's default), which the
    // early logins' connections may have been. They are reopened now, so that phase 2 starts with one open
    // connection per signed-in user.
    const active = conns.map((c, i) => ({ c, i })).filter(({ i }) => tokens[i] !== undefined);
    const closed = active.filter(({ c }) => !c.open).map(({ c }) => c);
    const reopen = await openConnections(closed);
    if (closed.length) {
      say(
        `  ${label}: ${fmtInt(closed.length)} connections had been closed by the server while idle; reopened in ${secs(reopen.totalMs)} ` +
          `(errors ${describeCounts(reopen.errors)}; kernel: ${describeTcp(reopen.tcp)})`,
      );
    }
    await checkpoint(databaseUrl); // phase 1 wrote refresh tokens (gateway): both sides start phase 2 alike

    // Phase 2: every signed-in connection submits batches, one after the other.
    const submit = { latencies: [], codes: {}, errors: {}, reconnects: 0 };
    let measuring = false;
    let stopped = false;
    let tStart = 0;
    let tEnd = Number.POSITIVE_INFINITY;
    const inWindow = () => {
      const now = performance.now();
      return measuring && now >= tStart && now <= tEnd;
    };
    const loop = (c, bytes) => {
      if (stopped) return;
      const send = c.open
        ? c.request(bytes)
        : c.connect().then(() => {
            submit.reconnects++;
            return c.request(bytes);
          });
      send.then(
        (r) => {
          if (inWindow()) {
            submit.latencies.push(r.ms);
            bump(submit.codes, r.status);
          }
          loop(c, bytes);
        },
        (err) => {
          if (inWindow()) bump(submit.errors, errorCode(err));
          if (!stopped) setTimeout(() => loop(c, bytes), 100);
        },
      );
    };
    const stopSubmitWatch = watchTimeouts(conns, SUBMIT_TIMEOUT_MS, (c) =>
      c.abort(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })),
    );
    say(
      `  ${label}: phase 2, ${fmtInt(active.length)} connections submit batches: warm-up ${WARMUP_SECONDS} s, then ${options.duration} s measured...`,
    );
    for (const { c, i } of active) {
      // Each user its own dataset: a dataset name belongs to the user who used it first (409 for the others).
      const body = batchBody(`bench-${String(i + 1).padStart(6, '0')}`);
      loop(c, postRequest(host, '/api/batches', body, { authorization: `Bearer ${tokens[i]}` }));
    }
    await sleep(WARMUP_SECONDS * 1000);
    const submitCpuBefore = cpuSnapshot();
    tStart = performance.now();
    measuring = true;
    await sleep(options.duration * 1000);
    tEnd = performance.now();
    stopped = true;
    const submitCpu = cpuUse(submitCpuBefore, cpuSnapshot(), roles);
    // Let the requests in flight finish (not counted) before the server is stopped.
    const drainDeadline = performance.now() + SUBMIT_TIMEOUT_MS;
    while (conns.some((c) => c.pending) && performance.now() < drainDeadline) await sleep(100);
    stopSubmitWatch();
    const seconds = (tEnd - tStart) / 1000;
    const accepted = submit.codes['202'] ?? 0;
    const phase2 = {
      connections: active.length,
      seconds,
      accepted,
      perSecond: accepted / seconds,
      non202: sumCounts(submit.codes, '202'),
      codes: submit.codes,
      errors: sumCounts(submit.errors),
      errorKinds: submit.errors,
      timeouts: submit.errors.TIMEOUT ?? 0,
      reconnects: submit.reconnects,
      ...latencySummary(submit.latencies),
      cpu: submitCpu,
    };
    say(
      `  ${label}: ${fmtInt(phase2.perSecond)} accepted batches/s (${fmtInt(accepted)} in ${fmt1(seconds)} s); latency p50 ${fmtMs(phase2.p50)}, ` +
        `p99 ${fmtMs(phase2.p99)}, max ${fmtMs(phase2.max)}; non-202 ${phase2.non202}${phase2.non202 ? ` ${JSON.stringify(submit.codes)}` : ''}, ` +
        `errors ${phase2.errors}${phase2.errors ? ` ${JSON.stringify(submit.errors)}` : ''}; connections reopened ${phase2.reconnects}`,
    );
    say(`  ${label}: ${describeCpu(submitCpu)}`);
    if (accepted > 0) {
      phase2.cpuPerBatchUs = Object.fromEntries(
        Object.entries(submitCpu.seconds).map(([role, sec]) => [role, (sec / accepted) * 1e6]),
      );
      const parts = Object.entries(phase2.cpuPerBatchUs)
        .filter(([role]) => role !== 'other processes')
        .sort((x, y) => y[1] - x[1])
        .map(([role, us]) => `${role} ${fmtInt(us)} us`);
      say(`  ${label}: CPU per accepted batch: ${parts.join(', ')}`);
    }
    return {
      label,
      serverRole: [...roles.values()][0],
      connect,
      retry,
      reopened: closed.length,
      reopen,
      phase1,
      phase2,
    };
  } finally {
    await unregister();
  }
}

async function accountsScenario() {
  const users = options.users;
  say('\n## 2. Accounts: many users log in at once, then submit');
  say(
    `${fmtInt(users)} confirmed users, one connection each, opened at once; phase 1: every user logs in once, all at once ` +
      `(POST /api/auth/login, Argon2id); phase 2: every connection submits 10-record JSON batches with its user's token, ` +
      `${WARMUP_SECONDS} s warm-up then ${options.duration} s\n`,
  );
  const { logs, db, mq, gatewayEnv } = await scenarioSetup('accounts');
  try {
    // The gateway migrates the database and is stopped; the users are inserted directly (all with the same
    // password, hence the same precomputed Argon2id hash: every login still costs one full verification).
    const first = await startService('gateway', gatewayEnv, logs);
    await first.stop();
    await declareProcessorQueues(mq.url);
    const made = await createConfirmedUsers(db.url, users);
    say(`  ${fmtInt(users)} confirmed users inserted (hash ${made.hash.split('$').slice(1, 4).join('$')}...)`);

    const baselineServer = await startBaseline(db.url, logs, { AUTH_JWT_SECRET: BENCH_JWT_SECRET });
    await checkpoint(db.url);
    const baseline = await accountsRun(
      'baseline (Fastify + postgres.js + argon2 + jose)',
      baselineServer.url,
      db.url,
      new Map([[baselineServer.pid, 'baseline server']]),
      users,
      made.password,
    );
    await baselineServer.stop();

    const gw = await startService('gateway', gatewayEnv, logs);
    await checkpoint(db.url);
    const genlake = await accountsRun(
      'genlake gateway',
      gw.service.url,
      db.url,
      new Map([[gw.service.pid, 'gateway']]),
      users,
      made.password,
    );
    await gw.stop();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [{ n: batches }] = await sql`select count(*)::int as n from batches`;
      const [{ n: refresh }] = await sql`select count(*)::int as n from refresh_tokens`;
      say(`  gateway: ${fmtInt(batches)} batches and ${fmtInt(refresh)} refresh tokens in the database`);
    } finally {
      await sql.end({ timeout: 5 });
    }
    const ratioLogins = ratio(genlake.phase1.perSecond, baseline.phase1.perSecond);
    const ratioBatches = ratio(genlake.phase2.perSecond, baseline.phase2.perSecond);
    say(
      `  ratio genlake / baseline: logins/s ${fmt2(ratioLogins)} (${pct(ratioLogins)}); accepted batches/s ${fmt2(ratioBatches)} (${pct(ratioBatches)})`,
    );
    return { users, baseline, genlake, ratioLogins, ratioBatches };
  } catch (err) {
    process.stderr.write(await logTails(logs));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scenario 3: pipeline throughput

/**
 * The dataset's records as NDJSON, made before any clock starts (both sides get ready-made input): one
 * buffer, the byte offsets where each of the 10 streams starts, and the same bytes written to `file`.
 */
async function makeDataset(records, file) {
  const parts = [];
  for await (const chunk of ndjsonChunks({ count: records, entities: 50, seed: 7 }, 5000)) parts.push(chunk);
  const all = Buffer.concat(parts);
  await writeFile(file, all);
  const offsets = [0];
  let line = 0;
  let pos = 0;
  for (let s = 1; s < STREAMS; s++) {
    const target = Math.round((records * s) / STREAMS);
    while (line < target) {
      pos = all.indexOf(0x0a, pos) + 1;
      line++;
    }
    offsets.push(pos);
  }
  offsets.push(all.length);
  const streams = [];
  for (let s = 0; s < STREAMS; s++) {
    streams.push({
      body: all.subarray(offsets[s], offsets[s + 1]),
      records: Math.round((records * (s + 1)) / STREAMS) - Math.round((records * s) / STREAMS),
    });
  }
  return { bytes: all.length, streams };
}

/** An NDJSON body sent in 64 KiB chunks (what ndjsonChunks yields to submitStream, without generating it now). */
async function* chunked(buf, size = 64 * 1024) {
  for (let at = 0; at < buf.length; at += size) yield buf.subarray(at, Math.min(at + size, buf.length));
}

/**
 * A second reference (not the baseline the ratio is taken against): genlake's own reference workload
 * (lake/src/workload.ts, complexity 2) run by DuckDB in this process on the same records, already normalized, as one
 * batch. It is the least time the processing itself needs; the rest of the pipeline's time is the platform.
 */
async function workloadReference(dir, records) {
  const { LakeEngine, runWorkload } = require('@genlake/lake');
  const input = join(dir, 'normalized.ndjson');
  const out = createWriteStream(input);
  let text = '';
  let i = 0;
  for (const r of measurements({ count: records, entities: 50, seed: 7 })) {
    const n = { i, entity: r.entity, ts: r.ts, metric: r.metric, value: r.value };
    if (r.tags) n.tags = r.tags;
    text += `${JSON.stringify(n)}\n`;
    if (++i % 10_000 === 0) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  await new Promise((ok, fail) => out.end(text, (err) => (err ? fail(err) : ok())));
  const engine = await LakeEngine.create({ threads: 2, memoryLimit: '2GB', tempDirectory: join(dir, 'duckdb-spill') });
  const runs = [];
  try {
    for (let k = 0; k < 3; k++) {
      const conn = await engine.connect();
      const outDir = join(dir, `reference-out-${k}`);
      const before = cpuSnapshot();
      const started = performance.now();
      await runWorkload(conn, { ndjsonPath: input, batchId: 'reference', complexity: 2, outDir });
      const ms = performance.now() - started;
      runs.push({ ms, cpu: cpuUse(before, cpuSnapshot(), new Map([[process.pid, 'DuckDB (in run.js)']])) });
      conn.closeSync();
      await rm(outDir, { recursive: true, force: true });
    }
  } finally {
    await engine.close();
    await rm(input, { force: true });
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[1];
  return { ms: median.ms, runsMs: runs.map((r) => r.ms), cpu: median.cpu, perSecond: records / (median.ms / 1000) };
}

async function duckdbBaseline(file, dir, records) {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', temp_directory: join(dir, 'duckdb-spill') });
  const conn = await instance.connect();
  const runs = [];
  try {
    for (let k = 0; k < 3; k++) {
      const out = join(dir, `baseline-${k}.parquet`);
      const before = cpuSnapshot();
      const started = performance.now();
      const result = await conn.run(
        `COPY (SELECT * FROM read_json('${file}', format = 'newline_delimited')) TO '${out}' (FORMAT parquet)`,
      );
      const ms = performance.now() - started;
      const rows = Number(result.rowsChanged);
      if (rows !== records) throw new Error(`DuckDB wrote ${rows} rows, expected ${records}`);
      const cpu = cpuUse(before, cpuSnapshot(), new Map([[process.pid, 'DuckDB (in run.js)']]));
      runs.push({ ms, cpu, bytes: (await stat(out)).size });
      await rm(out, { force: true });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[1];
  return {
    ms: median.ms,
    runsMs: runs.map((r) => r.ms),
    cpu: median.cpu,
    parquetBytes: median.bytes,
    perSecond: records / (median.ms / 1000),
  };
}

async function pipelineScenario() {
  const records = options.records;
  say('\n## 3. Pipeline throughput');
  say(`${fmtInt(records)} records, one dataset, ${STREAMS} NDJSON streams sent one after the other, complexity 2\n`);
  const dir = await tempDir('pipeline');
  const logs = join(dir, 'logs');
  const file = join(dir, 'dataset.ndjson');
  say('  generating the records...');
  const data = await makeDataset(records, file);
  say(`  ${fmtInt(records)} records, ${fmt1(data.bytes / 1e6)} MB of NDJSON`);

  say('  baseline: DuckDB (2 threads) read_json -> COPY TO parquet, 3 runs...');
  const duck = await duckdbBaseline(file, dir, records);
  say(
    `  baseline (DuckDB): ${fmtInt(duck.perSecond)} records/s (median of ${duck.runsMs.map((m) => secs(m)).join(', ')}; ` +
      `parquet ${fmt1(duck.parquetBytes / 1e6)} MB)`,
  );
  say(`  baseline (DuckDB): ${describeCpu(duck.cpu)}`);
  say(
    '  reference: the reference workload (complexity 2) alone, DuckDB 2 threads, one batch of the normalized records, 3 runs...',
  );
  const reference = await workloadReference(dir, records);
  say(
    `  reference (workload alone): ${fmtInt(reference.perSecond)} records/s (median of ${reference.runsMs.map((m) => secs(m)).join(', ')}); ` +
      describeCpu(reference.cpu),
  );

  const db = freshDatabaseName('pipeline');
  const mq = await freshVhost('pipeline');
  const storage = join(dir, 'storage');
  const env = (name) => ({
    DATABASE_URL: db.url,
    RABBITMQ_URL: mq.url,
    STORAGE_URL: storage,
    WORK_DIR: join(dir, `work-${name}`),
  });
  try {
    // One after the other: all three migrate at start, and the migration lock makes the others wait anyway.
    const gw = await startService(
      'gateway',
      { ...env('gateway'), ...gatewayBenchEnv(), DATABASE_POOL_MAX: '20' },
      logs,
    );
    const processor = await startService('processor', env('processor'), logs);
    const corrector = await startService('corrector', env('corrector'), logs);
    // One confirmed user sends the streams (inserted once the gateway has migrated the database).
    await createConfirmedUsers(db.url, 1);
    const client = new GatewayClient(gw.service.url);
    client.token = await loginToken(gw.service.url, benchEmail(0));
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    onCleanup('pipeline sql', () => sql.end({ timeout: 5 }));
    await checkpoint(db.url);

    const dataset = `bench-${randomBytes(3).toString('hex')}`;
    const roles = new Map([
      [gw.service.pid, 'gateway'],
      [processor.service.pid, 'processor'],
      [corrector.service.pid, 'corrector'],
    ]);
    const cpuBefore = cpuSnapshot();
    const startedWall = Date.now();
    const started = performance.now();
    const submitted = [];
    for (const [s, stream] of data.streams.entries()) {
      const t = performance.now();
      const res = await client.submitStream(dataset, chunked(stream.body), 'application/x-ndjson', 2);
      if (res.status !== 202) throw new Error(`stream ${s + 1} was refused: ${res.status} ${res.text.slice(0, 500)}`);
      submitted.push({ id: res.body.id, records: stream.records, acceptMs: performance.now() - t });
    }
    const uploadedMs = performance.now() - started;
    say(
      `  ${STREAMS} streams accepted in ${secs(uploadedMs)} (${fmtInt(records / (uploadedMs / 1000))} records/s through the gateway; ` +
        `per stream ${submitted.map((x) => fmt1(x.acceptMs / 1000)).join(', ')} s)`,
    );
    const ids = submitted.map((x) => x.id);
    const timeoutMs = Math.max(300_000, records * 1.5);
    let done = 0;
    let lastReport = 0;
    while (done < ids.length) {
      if (performance.now() - started > timeoutMs)
        throw new Error(`${ids.length - done} batches not completed within ${secs(timeoutMs)}`);
      for (const s of [processor, corrector, gw]) {
        if (s.service.exitCode !== null) throw new Error(`${s.service.name} exited with ${s.service.exitCode}`);
      }
      await sleep(200);
      [{ n: done }] =
        await sql`select count(*)::int as n from batches where id = any(${ids}::uuid[]) and status = 'completed'`;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        say(`  ... ${done}/${ids.length} batches completed after ${secs(performance.now() - started)}`);
      }
    }
    const cpu = cpuUse(cpuBefore, cpuSnapshot(), roles);
    const rows = await sql`
      select b.id, b.record_count::int as records, b.created_at, b.processing_at, b.correcting_at, b.completed_at,
             p.created_at as processed_gen_created, (p.stats->>'millis')::int as processed_ms,
             c.created_at as corrected_gen_created, (c.stats->>'millis')::int as corrected_ms
      from batches b
      join generations p on p.batch_id = b.id and p.stage = 'processed'
      join generations c on c.batch_id = b.id and c.stage = 'corrected'
      where b.id = any(${ids}::uuid[]) order by p.number`;
    const lastCompleted = Math.max(...rows.map((r) => r.completed_at.getTime()));
    const totalMs = lastCompleted - startedWall;
    const perSecond = records / (totalMs / 1000);
    const t = (d) => d.getTime();
    const sum = (f) => rows.reduce((n, r) => n + f(r), 0);
    const split = {
      uploadMs: uploadedMs,
      firstAcceptMs: submitted[0].acceptMs,
      firstProcessingAfterMs: Math.min(...rows.map((r) => t(r.processing_at))) - startedWall,
      lastAcceptAfterMs: Math.max(...rows.map((r) => t(r.created_at))) - startedWall,
      totalMs,
      queuedSum: sum((r) => t(r.processing_at) - t(r.created_at)),
      processingSum: sum((r) => t(r.correcting_at) - t(r.processing_at)),
      processorWorkSum: sum((r) => r.processed_ms),
      hopToCorrectorSum: sum((r) => t(r.corrected_gen_created) - t(r.correcting_at)),
      correctingSum: sum((r) => t(r.completed_at) - t(r.correcting_at)),
      correctorWorkSum: sum((r) => r.corrected_ms),
      // The processor works one batch at a time: the span of its work and how busy it was in it.
      processorSpanMs:
        Math.max(...rows.map((r) => t(r.correcting_at))) - Math.min(...rows.map((r) => t(r.processing_at))),
      batches: rows.map((r) => ({
        records: r.records,
        queuedMs: t(r.processing_at) - t(r.created_at),
        processingMs: t(r.correcting_at) - t(r.processing_at),
        correctingMs: t(r.completed_at) - t(r.correcting_at),
      })),
    };
    for (const s of [corrector, processor, gw]) await s.stop();
    const n = rows.length;
    say(
      `  genlake: ${fmtInt(perSecond)} records/s (${fmtInt(records)} records accepted -> completed in ${secs(totalMs)})`,
    );
    say('  where the time went (per batch: mean; the processor takes one batch at a time):');
    say(
      `    accept (upload + validation + normalization + payload to storage): ${secs(uploadedMs)} for all ${STREAMS} streams, ${secs(uploadedMs / n)} per stream`,
    );
    say(
      `    accepted -> processing started (relay hop + waiting for the processor): mean ${secs(split.queuedSum / n)}`,
    );
    say(
      `    processing (processing_at -> correcting_at): mean ${secs(split.processingSum / n)}, sum ${secs(split.processingSum)}; ` +
        `of which workload + uploads ${secs(split.processorWorkSum)}`,
    );
    say(
      `    correcting (correcting_at -> completed_at): mean ${secs(split.correctingSum / n)}, sum ${secs(split.correctingSum)}; ` +
        `of which relay hop ${secs(split.hopToCorrectorSum)}, correction work ${secs(split.correctorWorkSum)}`,
    );
    say(
      `    timeline: first batch processing at +${secs(split.firstProcessingAfterMs)}, last batch accepted at +${secs(split.lastAcceptAfterMs)}, ` +
        `processor busy ${secs(split.processingSum)} of its ${secs(split.processorSpanMs)} span, last completed at +${secs(totalMs)}`,
    );
    say(`    ${describeCpu(cpu)}`);
    say(
      `    CPU seconds: ${Object.entries(cpu.seconds)
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${k} ${fmt1(v)}`)
        .join(', ')}`,
    );
    const r = ratio(perSecond, duck.perSecond);
    const rRef = ratio(perSecond, reference.perSecond);
    say(
      `  ratio genlake / baseline: ${fmt2(r)} (${pct(r)}); genlake / reference workload alone: ${fmt2(rRef)} (${pct(rRef)})`,
    );
    return {
      records,
      bytes: data.bytes,
      duck,
      reference,
      genlake: { perSecond, totalMs },
      split,
      cpu,
      ratio: r,
      ratioReference: rRef,
    };
  } catch (err) {
    process.stderr.write(await logTails(logs));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Header and summary

async function header() {
  const cpus = os.cpus();
  let pg = '?';
  let rabbit = '?';
  try {
    pg = await adminSql(async (sql) => (await sql`show server_version`)[0].server_version);
  } catch (err) {
    throw new Error(`PostgreSQL at ${SERVER_URL.replace(/:[^:@/]*@/, ':***@')} is not reachable: ${err.message}`);
  }
  try {
    rabbit = (await management('GET', '/overview')).rabbitmq_version;
  } catch (err) {
    throw new Error(`the RabbitMQ management API at ${MANAGEMENT_URL} is not reachable: ${err.message}`);
  }
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (dirty.trim()) commit += ' + uncommitted changes';
  } catch {
    // not a git checkout
  }
  const machine = {
    commit,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: cpus.length,
    cpu: cpus[0]?.model?.trim() ?? '?',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    pg,
    rabbit,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  say('# genlake benchmarks');
  say(
    `date ${machine.date}; ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB RAM; Node ${machine.node}; ${machine.os}`,
  );
  say(
    `PostgreSQL ${machine.pg}, RabbitMQ ${machine.rabbit}; load average before the run: ${machine.load}; genlake commit ${machine.commit}`,
  );
  return machine;
}

function summary(machine, accept, accounts, pipeline) {
  const lines = [];
  lines.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB RAM, Node ${machine.node}, PostgreSQL ${machine.pg}, RabbitMQ ${machine.rabbit}; genlake ${machine.commit}; ${machine.date}.`,
  );
  lines.push('');
  lines.push('| scenario | figure | genlake | baseline | genlake / baseline |');
  lines.push('| --- | --- | ---: | ---: | ---: |');
  if (accept) {
    const { genlake: g, baseline: b } = accept;
    lines.push(
      `| accept (${options.connections} conn., ${options.duration} s) | accepted batches/s (202) | ${fmtInt(g.perSecond)} | ${fmtInt(b.perSecond)} | ${fmt2(accept.ratio)} |`,
    );
    lines.push(`| | latency p50 | ${g.p50} ms | ${b.p50} ms | |`);
    lines.push(`| | latency p99 | ${g.p99} ms | ${b.p99} ms | |`);
    lines.push(`| | accepted (202) in the run | ${fmtInt(g.accepted)} | ${fmtInt(b.accepted)} | |`);
    lines.push(`| | non-202 answers | ${fmtInt(g.non202)} | ${fmtInt(b.non202)} | |`);
    lines.push(
      `| | errors (timeouts) | ${fmtInt(g.errors)} (${fmtInt(g.timeouts)}) | ${fmtInt(b.errors)} (${fmtInt(b.timeouts)}) | |`,
    );
    const relay = accept.relay;
    lines.push(
      `| | outbox backlog at the end / drain time | ${fmtInt(relay.backlog)} rows / ${relay.drained ? secs(relay.drainMs) : `> ${secs(relay.drainMs)}`} | n/a | |`,
    );
  }
  if (accounts) {
    const g = accounts.genlake;
    const b = accounts.baseline;
    const both = (f) => `| ${f(g)} | ${f(b)} |`;
    const pms = (p) => `${fmtMs(p.p50)} / ${fmtMs(p.p99)} / ${fmtMs(p.max)}`;
    lines.push(
      `| accounts (${fmtInt(accounts.users)} users, 1 conn. each) | connections open (client side) after ${both((r) => secs(r.connect.totalMs))} |`,
    );
    lines.push(
      `| | listen queue overflows (kernel ListenOverflows) while connecting / while logging in ${both((r) => `${fmtInt(r.connect.tcp.ListenOverflows)} / ${fmtInt(r.phase1.tcp.ListenOverflows)}`)} |`,
    );
    lines.push(
      `| | phase 1: logins/s (200), all at once | ${fmtInt(g.phase1.perSecond)} | ${fmtInt(b.phase1.perSecond)} | ${fmt2(accounts.ratioLogins)} |`,
    );
    lines.push(`| | login phase total time ${both((r) => secs(r.phase1.totalMs))} |`);
    lines.push(`| | login latency p50 / p99 / max ${both((r) => pms(r.phase1))} |`);
    lines.push(`| | first login answered after ${both((r) => secs(r.phase1.firstAnswerMs))} |`);
    lines.push(
      `| | logins non-200 (codes) / errors ${both((r) => `${fmtInt(r.phase1.non200)}${r.phase1.non200 ? ` ${JSON.stringify(r.phase1.codes)}` : ''} / ${fmtInt(r.phase1.errors)}`)} |`,
    );
    lines.push(
      `| | login phase CPU, cores: server / PostgreSQL ${both((r) => `${fmt2(r.phase1.cpu.cores[r.serverRole] ?? 0)} / ${fmt2(r.phase1.cpu.cores.PostgreSQL ?? 0)}`)} |`,
    );
    lines.push(
      `| | failed logins tried again on a new connection: got 200 ${both((r) => `${fmtInt(r.retry.attempted)}: ${fmtInt(r.retry.ok)}`)} |`,
    );
    lines.push(
      `| | connections closed by the server while idle (keep-alive timeout), reopened before phase 2 ${both((r) => fmtInt(r.reopened))} |`,
    );
    lines.push(`| | connections submitting in phase 2 ${both((r) => fmtInt(r.phase2.connections))} |`);
    lines.push(
      `| | phase 2 (${options.duration} s): accepted batches/s (202) | ${fmtInt(g.phase2.perSecond)} | ${fmtInt(b.phase2.perSecond)} | ${fmt2(accounts.ratioBatches)} |`,
    );
    lines.push(`| | batch latency p50 / p99 / max ${both((r) => pms(r.phase2))} |`);
    lines.push(
      `| | non-202 (codes) / errors (timeouts) ${both((r) => `${fmtInt(r.phase2.non202)}${r.phase2.non202 ? ` ${JSON.stringify(r.phase2.codes)}` : ''} / ${fmtInt(r.phase2.errors)} (${fmtInt(r.phase2.timeouts)})`)} |`,
    );
    lines.push(
      `| | submit phase CPU, cores: server / PostgreSQL / client ${both((r) => `${fmt2(r.phase2.cpu.cores[r.serverRole] ?? 0)} / ${fmt2(r.phase2.cpu.cores.PostgreSQL ?? 0)} / ${fmt2(r.phase2.cpu.cores['bench client (run.js)'] ?? 0)}`)} |`,
    );
  }
  if (pipeline) {
    const { genlake: g, duck: d, split: s } = pipeline;
    const n = s.batches.length;
    lines.push(
      `| pipeline (${fmtInt(pipeline.records)} records, complexity 2) | records/s, accept -> completed | ${fmtInt(g.perSecond)} | ${fmtInt(d.perSecond)} | ${fmt2(pipeline.ratio)} |`,
    );
    lines.push(`| | total time | ${secs(g.totalMs)} | ${secs(d.ms)} | |`);
    lines.push(
      `| | records/s against a 2nd reference: the complexity-2 workload alone in DuckDB | ${fmtInt(g.perSecond)} | ${fmtInt(pipeline.reference.perSecond)} | ${fmt2(pipeline.ratioReference)} |`,
    );
    lines.push(`| | accepting ${STREAMS} streams (gateway) | ${secs(s.uploadMs)} | | |`);
    lines.push(`| | accepted -> processing, mean per batch | ${secs(s.queuedSum / n)} | | |`);
    lines.push(`| | processing, mean per batch (sum) | ${secs(s.processingSum / n)} (${secs(s.processingSum)}) | | |`);
    lines.push(`| | correcting, mean per batch (sum) | ${secs(s.correctingSum / n)} (${secs(s.correctingSum)}) | | |`);
  }
  say('\n## Summary (Markdown)\n');
  say(lines.join('\n'));
}

async function main() {
  const machine = await header();
  say(
    `options: --only ${options.only ?? '(all)'} --duration ${options.duration} --connections ${options.connections} --users ${options.users} --records ${options.records}`,
  );
  const results = {};
  for (const [name, scenario] of [
    ['accept', acceptScenario],
    ['accounts', accountsScenario],
    ['pipeline', pipelineScenario],
  ]) {
    if (!options.runs(name)) continue;
    results[name] = await scenario();
    await cleanupAll(); // each scenario starts from a clean slate
    resetCleanup();
  }
  summary(machine, results.accept, results.accounts, results.pipeline);
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (err) => {
    process.stderr.write(`\nbench failed: ${err.stack ?? err}\n`);
    await cleanupAll();
    process.exit(1);
  });

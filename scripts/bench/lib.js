// Shared helpers of the benchmark scripts (run.js, profile.js): cleanup of everything a run creates, fresh
// databases and RabbitMQ virtual hosts, processes under test, CPU accounting from /proc, formatting.

const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createWriteStream, readdirSync, readFileSync } = require('node:fs');
const { mkdir, mkdtemp, readdir, readFile, rm } = require('node:fs/promises');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const postgres = require('postgres');
const { ServiceProcess, freePort } = require('@genlake/testing');

const REPO_ROOT = resolve(__dirname, '..', '..');

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MANAGEMENT_URL = process.env.BENCH_RABBITMQ_MANAGEMENT_URL ?? `http://${new URL(AMQP_URL).hostname}:15672`;

// ---------------------------------------------------------------------------------------------------------
// Cleanup: everything started or created registers how to undo it; undone in reverse order, once.

const cleanups = [];
let cleaning;

function onCleanup(label, fn) {
  const entry = { label, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
    return fn();
  };
}

function cleanupAll() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { label, fn } = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`cleanup of ${label} failed: ${err.message}\n`);
      }
    }
  })();
  return cleaning;
}

/** On Ctrl-C (or SIGTERM): undo everything, then exit 130. */
function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping processes and removing databases, virtual hosts and temp dirs...\n`);
      const force = setTimeout(() => process.exit(130), 60_000);
      force.unref();
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** Forgets that a cleanup ran, so that the next scenario can register and run its own. */
function resetCleanup() {
  cleaning = undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Infrastructure: fresh database, virtual host, temp dir

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminSql(fn) {
  const sql = postgres(withDatabase(SERVER_URL, 'postgres'), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A database name for the scenario; the gateway creates and migrates it when it starts. Dropped at cleanup. */
function freshDatabaseName(label) {
  const name = `genlake_bench_${label}_${randomBytes(4).toString('hex')}`;
  onCleanup(`database ${name}`, () => adminSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)));
  return { name, url: withDatabase(SERVER_URL, name) };
}

async function management(method, path, body) {
  const u = new URL(AMQP_URL);
  const auth = Buffer.from(
    `${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`,
  ).toString('base64');
  const res = await fetch(`${MANAGEMENT_URL}/api${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) {
    throw new Error(`rabbitmq management ${method} ${path}: ${res.status} ${await res.text()}`);
  }
  return res.status === 204 || method !== 'GET' ? undefined : res.json();
}

async function freshVhost(label) {
  const vhost = `genlake-bench-${label}-${randomBytes(4).toString('hex')}`;
  const user = decodeURIComponent(new URL(AMQP_URL).username || 'guest');
  onCleanup(`vhost ${vhost}`, () => management('DELETE', `/vhosts/${encodeURIComponent(vhost)}`));
  await management('PUT', `/vhosts/${encodeURIComponent(vhost)}`);
  await management('PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  const url = new URL(AMQP_URL);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return { vhost, url: url.toString() };
}

async function tempDir(label) {
  const dir = await mkdtemp(join(os.tmpdir(), `genlake-bench-${label}-`));
  onCleanup(`temp dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The last lines of every log in `dir`, for a failure report. */
async function logTails(dir, lines = 25) {
  let out = '';
  try {
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      out += `--- ${name} (last ${lines} lines) ---\n${text
        .split('\n')
        .slice(-lines - 1)
        .join('\n')}\n`;
    }
  } catch {
    // no logs
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Processes under test

async function startService(name, env, logDir) {
  const service = await ServiceProcess.start(name, { LOG_LEVEL: 'warn', ...env }, logDir);
  const stopIt = onCleanup(`${name} process`, () => service.stop());
  return { service, stop: stopIt };
}

/**
 * A Node.js script as its own process, with extra Node flags (e.g. --cpu-prof), logging to `<logDir>/<name>.log`,
 * ready once GET /health/ready answers 2xx (the same protocol as ServiceProcess).
 */
async function startNodeProcess(name, script, env, logDir, nodeArgs = [], readyTimeoutMs = 60_000) {
  const port = await freePort();
  await mkdir(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exitCode = null;
  const exited = new Promise((ok) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 0);
      ok();
    }),
  );
  const stopIt = onCleanup(`${name} process`, async () => {
    if (exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      if (exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    log.end();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitCode !== null) throw new Error(`${name} exited with ${exitCode}; see its log`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} was not ready within ${readyTimeoutMs / 1000} s`);
    await sleep(100);
  }
  return { url, pid: child.pid, stop: stopIt, exitCode: () => exitCode };
}

/**
 * The baseline (scripts/bench/baseline-server.js) as its own process; `env` may add AUTH_JWT_SECRET (and the
 * other AUTH_* settings) for the accounts scenario's login and Bearer check.
 */
function startBaseline(databaseUrl, logDir, env = {}) {
  return startNodeProcess(
    'baseline-server',
    join(__dirname, 'baseline-server.js'),
    { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '20', ...env },
    logDir,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Accounts: the gateway needs a JWT key and a confirmed user's access token on every /api route but login.

/** HS256 key of this run (gateway and accounts baseline): random, 43 bytes. */
const BENCH_JWT_SECRET = randomBytes(32).toString('base64url');

/**
 * The environment every gateway under load gets: its JWT key, access tokens that outlive a run, and rate limits
 * no benchmark reaches (all the load comes from 127.0.0.1, i.e. one address and, in the accept scenario, one user).
 * 10,000,000 requests/minute is the largest value the gateway's configuration accepts.
 */
function gatewayBenchEnv() {
  return {
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    AUTH_ACCESS_TTL_SECONDS: '3600',
    RATE_LIMIT_PER_ADDRESS: '10000000',
    RATE_LIMIT_PER_USER: '10000000',
    RATE_LIMIT_AUTH_PER_ADDRESS: '10000000',
    AUTH_LOGIN_FAILURES_PER_ADDRESS: '1000000',
  };
}

const BENCH_PASSWORD = 'bench-password-not-secret-2026';

/** The email of bench user `i` (0-based) of createConfirmedUsers. */
function benchEmail(i) {
  return `bench-${String(i + 1).padStart(6, '0')}@example.com`;
}

/**
 * Inserts `count` confirmed users (role user) straight into a database the gateway has migrated, all with the
 * password BENCH_PASSWORD and the same Argon2id hash, computed once here with the gateway's ARGON2_OPTIONS (so a
 * login costs one verification with today's parameters and never a rehash). Emails: benchEmail(0..count-1).
 */
async function createConfirmedUsers(databaseUrl, count) {
  const argon2 = require('argon2');
  const { ARGON2_OPTIONS } = require(join(REPO_ROOT, 'services', 'gateway', 'dist', 'accounts', 'password.hasher.js'));
  const hash = await argon2.hash(BENCH_PASSWORD, ARGON2_OPTIONS);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`
      insert into users (email, password_hash, role, email_confirmed_at)
      select 'bench-' || lpad(i::text, 6, '0') || '@example.com', ${hash}, 'user', now()
      from generate_series(1, ${count}::int) as i`;
    await sql`analyze users`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { password: BENCH_PASSWORD, hash };
}

/** Logs in through the API (POST /api/auth/login) and returns the access token. */
async function loginToken(baseUrl, email, password = BENCH_PASSWORD) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text).accessToken;
}

// ---------------------------------------------------------------------------------------------------------
// CPU accounting from /proc: which process used how much of the machine during a measured interval.

const CLK_TCK = 100; // USER_HZ on Linux

function cpuSnapshot() {
  const procs = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    // not Linux: no accounting
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const f = s.slice(close + 2).split(' ');
      // fields 14 and 15 (utime, stime) of proc(5); f[0] is field 3
      procs.set(Number(name), { comm: s.slice(s.indexOf('(') + 1, close), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  let idle = 0;
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
    idle = cpu[3] + cpu[4];
  } catch {
    // no /proc/stat
  }
  return { procs, total, idle, at: performance.now() };
}

/** Cores used per role between two snapshots; `roles` maps pids of our processes to a name. */
function cpuUse(a, b, roles) {
  const wall = (b.at - a.at) / 1000;
  const seconds = {};
  for (const [pid, p] of b.procs) {
    const before = a.procs.get(pid);
    const ticks = p.ticks - (before ? before.ticks : 0); // a process new in the interval counts whole
    if (ticks <= 0) continue;
    const role =
      roles.get(pid) ??
      (pid === process.pid
        ? 'bench client (run.js)'
        : p.comm === 'postgres'
          ? 'PostgreSQL'
          : p.comm === 'beam.smp'
            ? 'RabbitMQ'
            : 'other processes');
    seconds[role] = (seconds[role] ?? 0) + ticks / CLK_TCK;
  }
  const cores = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, v / wall]));
  const busy = b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : Number.NaN;
  return { wall, seconds, cores, busy };
}

// ---------------------------------------------------------------------------------------------------------
// TCP counters of the kernel (/proc/net/netstat, whole machine): a full listen queue shows here.

const TCP_COUNTERS = ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'SyncookiesSent', 'TCPTimeouts'];

/** The TcpExt counters of TCP_COUNTERS now (all 0 when /proc/net/netstat cannot be read). */
function tcpCounters() {
  const out = Object.fromEntries(TCP_COUNTERS.map((k) => [k, 0]));
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[at].split(/\s+/);
    const values = lines[at + 1].split(/\s+/);
    for (const k of TCP_COUNTERS) {
      const i = names.indexOf(k);
      if (i > 0) out[k] = Number(values[i]);
    }
  } catch {
    // not Linux
  }
  return out;
}

/** What the counters grew by between two tcpCounters() readings. */
function tcpDelta(a, b) {
  return Object.fromEntries(TCP_COUNTERS.map((k) => [k, b[k] - a[k]]));
}

function describeCpu(use) {
  const parts = Object.entries(use.cores)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${fmt2(v)}`);
  const other = use.cores['other processes'] ?? 0;
  const warning =
    other > 0.1 ? ` -- WARNING: other processes used ${fmt2(other)} cores meanwhile; the figures are disturbed` : '';
  return `CPU in cores (of ${os.cpus().length}): ${parts.join(', ')}; machine busy ${pct(use.busy)}${warning}`;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmt1 = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmt2 = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const secs = (ms) => `${fmt1(ms / 1000)} s`;
const ratio = (a, b) => (b > 0 ? a / b : Number.NaN);
const pct = (r) => `${fmt1(r * 100)} %`;

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

async function checkpoint(databaseUrl) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`checkpoint`;
  } catch {
    // only a superuser may; the figures are then a little noisier
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function declareProcessorQueues(amqpUrl) {
  const { Broker } = require('@genlake/kit');
  const { CATALOG, QUEUES } = require('@genlake/contracts');
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const broker = new Broker(amqpUrl, quiet, 'bench');
  try {
    if (!(await broker.waitReady(10_000))) throw new Error('cannot connect to RabbitMQ');
    const spec = CATALOG['batch.accepted'];
    await broker.declareConsumerTopology(QUEUES.processorBatchAccepted, spec.routingKey, spec.retry);
  } finally {
    await broker.close();
  }
}

module.exports = {
  REPO_ROOT,
  SERVER_URL,
  AMQP_URL,
  MANAGEMENT_URL,
  onCleanup,
  cleanupAll,
  resetCleanup,
  installSignalHandlers,
  withDatabase,
  adminSql,
  freshDatabaseName,
  management,
  freshVhost,
  tempDir,
  logTails,
  startService,
  startNodeProcess,
  startBaseline,
  BENCH_JWT_SECRET,
  gatewayBenchEnv,
  BENCH_PASSWORD,
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
};

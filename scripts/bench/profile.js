#!/usr/bin/env node
// Where genlake spends its time, for the findings of docs/benchmarks.md. Not part of `npm run bench`.
//
//   node scripts/bench/profile.js accept   [--duration 15] [--connections 1000]
//       the gateway under `node --cpu-prof` while autocannon posts 10-record JSON batches (as run.js does);
//   node scripts/bench/profile.js baseline [--duration 15] [--connections 1000]
//       the same load against scripts/bench/baseline-server.js under `node --cpu-prof`, for comparison;
//   node scripts/bench/profile.js ingest   [--records 100000] [--streams 3]
//       the gateway under `node --cpu-prof` while it accepts NDJSON streams (as the pipeline scenario does);
//   node scripts/bench/profile.js workload [--records 100000]
//       the processor's DuckDB workload (complexity 2) run in this process on one batch, timed statement by statement.
//
// The CPU profiles are summarized (self time by function and by area, inclusive time of the main frames) and the
// .cpuprofile file is kept when --keep DIR is given (open it in Chrome DevTools or speedscope).

const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { copyFile, mkdir, readdir, readFile, writeFile } = require('node:fs/promises');
const { join, relative } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { parseArgs } = require('node:util');

const USAGE = `usage: node scripts/bench/profile.js accept|baseline|ingest|workload [--duration S] [--connections N] [--records N] [--streams N] [--top N] [--keep DIR]`;

function badUsage(message) {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      duration: { type: 'string', default: '15' },
      connections: { type: 'string', default: '1000' },
      records: { type: 'string', default: '100000' },
      streams: { type: 'string', default: '3' },
      top: { type: 'string', default: '30' },
      keep: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
} catch (err) {
  badUsage(err.message);
}
const scenario = parsed.positionals[0];
if (parsed.positionals.length !== 1 || !['accept', 'baseline', 'ingest', 'workload'].includes(scenario)) {
  badUsage('name one scenario: accept, baseline, ingest or workload');
}
const num = (name, min, max) => {
  const n = Number(parsed.values[name]);
  if (!Number.isInteger(n) || n < min || n > max) badUsage(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const opts = {
  duration: num('duration', 1, 600),
  connections: num('connections', 1, 10_000),
  records: num('records', 10, 10_000_000),
  streams: num('streams', 1, 100),
  top: num('top', 1, 500),
  keep: parsed.values.keep,
};

const autocannon = require('autocannon');
const { GatewayClient, measurements, ndjsonChunks } = require('@genlake/testing');
const lib = require('./lib');

const { say, fmt1, fmtInt, secs } = lib;
lib.installSignalHandlers();

// ---------------------------------------------------------------------------------------------------------
// .cpuprofile summary

function areaOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native / builtin)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return relative(lib.REPO_ROOT, path);
}

function summarizeProfile(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const selfArea = new Map();
  const inclusive = new Map();
  let total = 0;
  const key = (n) => {
    const f = n.callFrame;
    const file = f.url ? areaOf(f.url, f.functionName) : '';
    return `${f.functionName || '(anonymous)'}  ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000; // ms
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    selfArea.set(area, (selfArea.get(area) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const k2 = key(byId.get(id));
      if (seen.has(k2)) continue;
      seen.add(k2);
      inclusive.set(k2, (inclusive.get(k2) ?? 0) + dt);
    }
  }
  const busy = total - (selfArea.get('(idle)') ?? 0);
  const table = (map, n, of) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${fmt1((100 * v) / of).padStart(5)} %  ${fmtInt(v).padStart(7)} ms  ${k}`)
      .join('\n');
  say(`\nprofile: ${secs(total)} sampled, ${secs(busy)} not idle (percentages below are of the non-idle time)`);
  say('\nself time by area (package or file):');
  say(table(selfArea, top, busy));
  say('\nself time by function:');
  say(table(self, top, busy));
  say('\ninclusive time by function (a function and everything it calls):');
  say(table(inclusive, top, busy));
}

const GATEWAY_SCRIPT = join(lib.REPO_ROOT, 'services', 'gateway', 'dist', 'main.js');

async function profiledGateway(dir, env, script = GATEWAY_SCRIPT) {
  const profDir = join(dir, 'cpuprofile');
  const gw = await lib.startNodeProcess(
    'gateway',
    script,
    {
      LOG_LEVEL: 'warn',
      WORK_DIR: join(dir, 'work'),
      STORAGE_URL: join(dir, 'storage'),
      DATABASE_POOL_MAX: '20',
      // the gateway's JWT key and rate limits; the baseline gets none of them (no authentication, as in accept)
      ...(script === GATEWAY_SCRIPT ? lib.gatewayBenchEnv() : {}),
      ...env,
    },
    join(dir, 'logs'),
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=250'],
  );
  return {
    ...gw,
    async stopAndSummarize() {
      await gw.stop();
      const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length === 0) throw new Error('the gateway wrote no CPU profile');
      const file = join(profDir, files[0]);
      if (opts.keep) {
        await mkdir(opts.keep, { recursive: true });
        await copyFile(file, join(opts.keep, `gateway-${scenario}.cpuprofile`));
        say(`profile kept as ${join(opts.keep, `gateway-${scenario}.cpuprofile`)}`);
      }
      summarizeProfile(JSON.parse(await readFile(file, 'utf8')), opts.top);
    },
  };
}

async function withInfrastructure(label, fn) {
  const dir = await lib.tempDir(`profile-${label}`);
  const db = lib.freshDatabaseName(`profile_${label}`);
  const mq = await lib.freshVhost(`profile-${label}`);
  try {
    await fn({ dir, db, mq });
  } catch (err) {
    process.stderr.write(await lib.logTails(join(dir, 'logs')));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

async function profileAccept(baseline) {
  await withInfrastructure('accept', async ({ dir, db, mq }) => {
    // The gateway creates and migrates the database; one confirmed user logs in and its token is sent with
    // every request (as in run.js's accept scenario; the baseline ignores it).
    const env = {
      ...lib.gatewayBenchEnv(),
      DATABASE_URL: db.url,
      RABBITMQ_URL: mq.url,
      STORAGE_URL: join(dir, 'storage'),
      WORK_DIR: join(dir, 'work'),
    };
    const first = await lib.startService('gateway', env, join(dir, 'logs'));
    await lib.createConfirmedUsers(db.url, 1);
    const authorization = `Bearer ${await lib.loginToken(first.service.url, lib.benchEmail(0))}`;
    await first.stop();
    const script = baseline ? join(__dirname, 'baseline-server.js') : undefined;
    const gw = await profiledGateway(dir, { DATABASE_URL: db.url, RABBITMQ_URL: mq.url }, script);
    await lib.declareProcessorQueues(mq.url);
    const body = JSON.stringify({
      dataset: 'bench',
      records: [...measurements({ count: 10, entities: 5, seed: 42 })],
      options: { complexity: 1 },
    });
    say(`gateway under --cpu-prof; ${opts.duration} s of POST /api/batches at ${opts.connections} connections...`);
    const before = lib.cpuSnapshot();
    const r = await autocannon({
      url: `${gw.url}/api/batches`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
      connections: opts.connections,
      duration: opts.duration,
      timeout: 30,
    });
    const cpu = lib.cpuUse(before, lib.cpuSnapshot(), new Map([[gw.pid, 'gateway']]));
    const accepted = r.statusCodeStats['202']?.count ?? 0;
    say(
      `${fmtInt(accepted / r.duration)} accepted/s under the profiler (slower than without it); p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`,
    );
    say(lib.describeCpu(cpu));
    await gw.stopAndSummarize();
  });
}

async function profileIngest() {
  await withInfrastructure('ingest', async ({ dir, db, mq }) => {
    const gw = await profiledGateway(dir, { DATABASE_URL: db.url, RABBITMQ_URL: mq.url });
    await lib.createConfirmedUsers(db.url, 1); // the gateway has migrated the database
    const client = new GatewayClient(gw.url);
    client.token = await lib.loginToken(gw.url, lib.benchEmail(0));
    const parts = [];
    for await (const c of ndjsonChunks({ count: opts.records, entities: 50, seed: 7 }, 5000)) parts.push(c);
    const body = Buffer.concat(parts);
    say(
      `gateway under --cpu-prof; ${opts.streams} NDJSON streams of ${fmtInt(opts.records)} records (${fmt1(body.length / 1e6)} MB) each...`,
    );
    for (let s = 0; s < opts.streams; s++) {
      const started = performance.now();
      const res = await client.submitStream(`profile-${s}`, chunked(body), 'application/x-ndjson', 2);
      if (res.status !== 202) throw new Error(`refused: ${res.status} ${res.text.slice(0, 300)}`);
      const ms = performance.now() - started;
      say(`  stream ${s + 1}: 202 in ${fmtInt(ms)} ms (${fmtInt(opts.records / (ms / 1000))} records/s)`);
    }
    await gw.stopAndSummarize();
  });
}

async function* chunked(buf, size = 64 * 1024) {
  for (let at = 0; at < buf.length; at += size) yield buf.subarray(at, Math.min(at + size, buf.length));
}

async function profileWorkload() {
  const { LakeEngine, runWorkload } = require('@genlake/lake');
  const dir = await lib.tempDir('profile-workload');
  // The normalized NDJSON the gateway stores: {"i","entity","ts","metric","value","tags"?} per line.
  let text = '';
  let i = 0;
  for (const r of measurements({ count: opts.records, entities: 50, seed: 7 })) {
    const ts = new Date(r.ts).toISOString();
    text += `${JSON.stringify(r.tags ? { i, entity: r.entity, ts, metric: r.metric, value: r.value, tags: r.tags } : { i, entity: r.entity, ts, metric: r.metric, value: r.value })}\n`;
    i++;
  }
  const input = join(dir, 'input.ndjson');
  await writeFile(input, text);
  say(
    `workload (complexity 2) on ${fmtInt(opts.records)} normalized records (${fmt1(text.length / 1e6)} MB), DuckDB 2 threads, 2GB`,
  );

  let t = performance.now();
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(input)) hash.update(chunk);
  hash.digest('hex');
  say(`  sha256 of the payload (PayloadRepository.fetch): ${fmtInt(performance.now() - t)} ms`);

  const engine = await LakeEngine.create({ threads: 2, memoryLimit: '2GB', tempDirectory: join(dir, 'spill') });
  lib.onCleanup('duckdb', () => engine.close());
  for (let round = 1; round <= 2; round++) {
    const conn = await engine.connect();
    const timings = [];
    for (const method of ['run', 'runAndReadAll']) {
      const original = conn[method].bind(conn);
      conn[method] = async (sql, ...rest) => {
        const started = performance.now();
        try {
          return await original(sql, ...rest);
        } finally {
          timings.push({ ms: performance.now() - started, sql: sql.replace(/\s+/g, ' ').trim() });
        }
      };
    }
    t = performance.now();
    await runWorkload(conn, {
      ndjsonPath: input,
      batchId: 'profile',
      complexity: 2,
      outDir: join(dir, `out-${round}`),
    });
    const totalMs = performance.now() - t;
    conn.closeSync();
    say(
      `\n  round ${round}: runWorkload ${fmtInt(totalMs)} ms (${fmtInt(opts.records / (totalMs / 1000))} records/s); statements by time:`,
    );
    for (const s of timings.sort((a, b) => b.ms - a.ms).slice(0, opts.top)) {
      say(`    ${fmtInt(s.ms).padStart(6)} ms  ${s.sql.slice(0, 150)}`);
    }
  }
}

async function main() {
  if (scenario === 'accept' || scenario === 'baseline') await profileAccept(scenario === 'baseline');
  else if (scenario === 'ingest') await profileIngest();
  else await profileWorkload();
}

main()
  .then(async () => {
    await lib.cleanupAll();
    await sleep(10);
    process.exit(0);
  })
  .catch(async (err) => {
    process.stderr.write(`\nprofile failed: ${err.stack ?? err}\n`);
    await lib.cleanupAll();
    process.exit(1);
  });

#!/usr/bin/env node
// `npm run bench:web`: how fast the built web app opens on a phone, measured with Lighthouse (mobile profile:
// Moto G Power screen, simulated slow 4G and 4× CPU slowdown) in Debian's Chromium.
//
//   1. builds the gateway and the web app (turbo; cached when nothing changed);
//   2. starts the real gateway (a fresh database and RabbitMQ virtual host, dropped at the end), which serves
//      services/web/dist at / with its Content-Security-Policy, security headers and Cache-Control: the app as
//      `npm start` and compose serve it, and the same headers CloudFront adds in AWS (@genlake/contracts/web-headers);
//   3. puts a gzip proxy in front of it for one more row: the gateway does not compress, CloudFront does
//      (`compress: true`), so "/login, gzip" is the page as a phone gets it from the AWS edge, latency aside;
//   4. serves a baseline beside them: one static HTML page with a heading and a paragraph, from node:http with the
//      same headers. It is the floor of this machine and this profile: the app's LCP is given against it;
//   5. runs Lighthouse --runs times on each page (/login, /register, /login through gzip, the baseline), the pages
//      taking turns (so a busy moment of the machine does not fall on one page only) after one discarded warm-up
//      run, and prints the medians: performance, accessibility and best-practices scores, FCP, LCP, TBT, CLS, the
//      JavaScript transferred, and the shell's JavaScript gzipped (dist/assets/*.js, as the size budget counts it).
//
// Usage: node scripts/bench/lighthouse.js [--runs 3] [--no-build] [--chrome /usr/bin/chromium]
// Needs PostgreSQL and RabbitMQ as `npm run bench` does (BENCH_DATABASE_URL, BENCH_RABBITMQ_URL,
// BENCH_RABBITMQ_MANAGEMENT_URL), and Chromium (--chrome; default /usr/bin/chromium).

const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { createServer, request } = require('node:http');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { createGzip, gzipSync } = require('node:zlib');

const REPO_ROOT = join(__dirname, '..', '..');
const WEB_DIST = join(REPO_ROOT, 'services', 'web', 'dist');
const PAGES = ['/login', '/register'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
/** Headless Chromium as root in a container: no sandbox, no GPU, no background traffic to the outside. */
const CHROME_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
];

const USAGE = `usage: node scripts/bench/lighthouse.js [--runs N] [--no-build] [--chrome PATH]

  --runs N         Lighthouse runs per page; the medians are printed (default 3; 1..20)
  --no-build       use the build that is there (services/web/dist and the gateway's dist)
  --chrome PATH    the Chromium binary (default /usr/bin/chromium)`;

function badUsage(message) {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string', default: '3' },
        'no-build': { type: 'boolean', default: false },
        chrome: { type: 'string', default: '/usr/bin/chromium' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    badUsage(err.message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20)
    badUsage(`--runs must be an integer from 1 to 20, not ${values.runs}`);
  if (!existsSync(values.chrome)) {
    badUsage(`no Chromium at ${values.chrome} (apt-get install chromium, or name it with --chrome)`);
  }
  return { runs, build: !values['no-build'], chrome: values.chrome };
}

/** The shell's JavaScript as the size budget counts it (services/web/test/size-budget.test.ts): gzip -9 of each. */
function shellJavaScript() {
  const assets = join(WEB_DIST, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const raw = files.reduce((sum, f) => sum + readFileSync(join(assets, f)).length, 0);
  const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
  return { files: files.length, raw, gzipped };
}

/** The baseline: one static page, no script, with the app's own response headers. */
function startBaselineServer(headers) {
  const page =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>baseline</title>' +
    '<meta name="description" content="A static page: the floor of the measurement"></head>' +
    '<body><main><h1>genlake</h1><p>A static page with the web app&#39;s headers and nothing else.</p></main></body></html>';
  const server = createServer((req, res) => {
    if (req.url === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(page);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, server })),
  );
}

/** A proxy to `target` that gzips text answers when the browser accepts it, as CloudFront's `compress: true`. */
function startGzipProxy(target) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const type = String(answer.headers['content-type'] ?? '');
        const compressible = /^(text\/|application\/(javascript|json|manifest\+json))|\+json|svg/.test(type);
        if (!compressible || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          return;
        }
        const headers = { ...answer.headers, 'content-encoding': 'gzip', vary: 'accept-encoding' };
        delete headers['content-length'];
        // a weak ETag, as CloudFront turns a strong one into when it compresses
        if (headers.etag && !headers.etag.startsWith('W/')) headers.etag = `W/${headers.etag}`;
        res.writeHead(answer.statusCode, headers);
        answer.pipe(createGzip()).pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })),
  );
}

/** The errors the page wrote to the console (Lighthouse's errors-in-console audit). */
function consoleErrors(lhr) {
  return (lhr.audits['errors-in-console']?.details?.items ?? []).map(
    (i) => `${i.source ?? ''}: ${String(i.description ?? '').slice(0, 160)}`,
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The figures of one Lighthouse result. */
function figures(lhr) {
  const audit = (id) => lhr.audits[id]?.numericValue ?? Number.NaN;
  const scripts = lhr.audits['resource-summary']?.details?.items?.find((i) => i.resourceType === 'script');
  return {
    performance: Math.round(lhr.categories.performance.score * 100),
    accessibility: Math.round(lhr.categories.accessibility.score * 100),
    bestPractices: Math.round(lhr.categories['best-practices'].score * 100),
    fcp: audit('first-contentful-paint'),
    lcp: audit('largest-contentful-paint'),
    tbt: audit('total-blocking-time'),
    cls: audit('cumulative-layout-shift'),
    scriptBytes: scripts?.transferSize ?? 0,
    // Lighthouse's measure of this machine's CPU (higher is faster); the 4× slowdown applies on top of it
    benchmarkIndex: lhr.environment?.benchmarkIndex ?? Number.NaN,
    errors: consoleErrors(lhr),
    failed: Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
      .map((a) => a.id),
  };
}

async function main() {
  const opts = options();
  if (opts.build) {
    process.stderr.write('building the gateway and the web app (turbo)...\n');
    execFileSync(
      'npx',
      [
        '--no-install',
        'turbo',
        'run',
        'build',
        '--filter=@genlake/gateway',
        '--filter=@genlake/web',
        '--filter=@genlake/testing',
        '--output-logs=errors-only',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    process.stderr.write('error: services/web/dist/index.html is missing: run without --no-build\n');
    process.exit(1);
  }
  // after the build: lib.js loads the built @genlake/testing
  const lib = require('./lib');
  const { WEB_SECURITY_HEADERS } = require('@genlake/contracts/web-headers');
  const { default: lighthouse } = await import('lighthouse');
  const chromeLauncher = await import('chrome-launcher');
  lib.installSignalHandlers();

  const shell = shellJavaScript();
  const loadBefore = os.loadavg()[0];
  const dir = await lib.tempDir('web');
  const db = lib.freshDatabaseName('web');
  const mq = await lib.freshVhost('web');
  const { service } = await lib.startService(
    'gateway',
    {
      ...lib.gatewayBenchEnv(),
      DATABASE_URL: db.url,
      RABBITMQ_URL: mq.url,
      STORAGE_URL: join(dir, 'storage'),
      WORK_DIR: join(dir, 'work-gw'),
    },
    join(dir, 'logs'),
  );
  const baseline = await startBaselineServer(WEB_SECURITY_HEADERS);
  lib.onCleanup('baseline server', () => new Promise((ok) => baseline.server.close(() => ok())));
  const gzip = await startGzipProxy(service.url);
  lib.onCleanup('gzip proxy', () => new Promise((ok) => gzip.server.close(() => ok())));
  const chrome = await chromeLauncher.launch({
    chromePath: opts.chrome,
    chromeFlags: CHROME_FLAGS,
    logLevel: 'silent',
  });
  lib.onCleanup('chromium', () => chrome.kill());
  const version = await (await fetch(`http://127.0.0.1:${chrome.port}/json/version`)).json();

  const targets = [
    ...PAGES.map((page) => ({ label: page, url: `${service.url}${page}` })),
    { label: `${PAGES[0]}, gzip`, url: `${gzip.url}${PAGES[0]}` },
    { label: 'baseline', url: baseline.url },
  ];
  const audit = async (url) => {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
    });
    if (result.lhr.runtimeError) throw new Error(`${url}: ${result.lhr.runtimeError.message}`);
    return figures(result.lhr);
  };
  process.stderr.write('lighthouse warm-up run (discarded)...\n');
  await audit(`${service.url}${PAGES[0]}`);
  const results = new Map(targets.map((t) => [t.label, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const target of targets) {
      process.stderr.write(`lighthouse ${target.label} (run ${i + 1} of ${opts.runs})...\n`);
      results.get(target.label).push(await audit(target.url));
    }
  }

  const say = lib.say;
  const ms = (n) => `${lib.fmtInt(n)} ms`;
  const kb = (n) => `${lib.fmt1(n / 1024)} KB`;
  const base = results.get('baseline');
  const baseLcp = median(base.map((r) => r.lcp));
  say(`\n## Web app (Lighthouse ${require('lighthouse/package.json').version}, mobile profile, ${version.Browser})`);
  say(`${opts.runs} run(s) per page, medians; the gateway serves services/web/dist, the baseline is a static page\n`);
  say(
    '| page | performance | accessibility | best practices | FCP | LCP | LCP vs baseline | TBT | CLS | JS transferred |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, runs] of results) {
    const m = (key) => median(runs.map((r) => r[key]));
    say(
      `| ${label} | ${m('performance')} | ${m('accessibility')} | ${m('bestPractices')} | ${ms(m('fcp'))} | ${ms(m('lcp'))} | ` +
        `${lib.fmt2(m('lcp') / baseLcp)}× | ${ms(m('tbt'))} | ${lib.fmt2(m('cls'))} | ${kb(m('scriptBytes'))} |`,
    );
  }
  say(
    `\nshell JavaScript (services/web/dist/assets/*.js): ${shell.files} file(s), ${kb(shell.raw)}, ${kb(shell.gzipped)} gzipped (budget 150 KB)`,
  );
  for (const [label, runs] of results) {
    const failed = [...new Set(runs.flatMap((r) => r.failed))];
    if (failed.length) say(`${label}: audits not passed in some run: ${failed.join(', ')}`);
    for (const error of new Set(runs.flatMap((r) => r.errors))) say(`  console error: ${error}`);
  }
  const index = median([...results.values()].flat().map((r) => r.benchmarkIndex));
  say(
    `\nmachine: ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, load average ${lib.fmt1(loadBefore)} before and ` +
      `${lib.fmt1(os.loadavg()[0])} after; Lighthouse benchmarkIndex ${lib.fmtInt(index)} (median)`,
  );
  say(
    `\nrange over the runs (performance score, LCP): ${[...results]
      .map(([label, runs]) => {
        const p = runs.map((r) => r.performance);
        const l = runs.map((r) => r.lcp);
        return `${label} ${Math.min(...p)}–${Math.max(...p)}, ${lib.fmtInt(Math.min(...l))}–${lib.fmtInt(Math.max(...l))} ms`;
      })
      .join('; ')}`,
  );
}

main()
  .catch((err) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    // nothing to undo when it stopped before the build (lib.js needs the built @genlake/testing)
    if (existsSync(join(REPO_ROOT, 'packages', 'testing', 'dist', 'index.js'))) await require('./lib').cleanupAll();
  });

/// <reference lib="dom" />
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, waitFor } from '@genlake/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AxeViolation,
  axeViolations,
  chromiumMissing,
  DESKTOP,
  FAILURE_WORDS,
  launchBrowser,
  launchProfile,
  screenshots,
  visibleText,
} from './web/browser';
import { HttpProxy } from './web/http.proxy';
import { WebSystem } from './web/web.system';

const WAITING = 'Waiting to send — will go through by itself';
const SENT = 'Sent';
/** Screenshots of every run; UPDATE_SCREENSHOTS=1 also refreshes the ones committed to docs/screenshots. */
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(REPO_ROOT, 'docs', 'screenshots')
  : join(REPO_ROOT, 'test-results', 'web');

const missing = chromiumMissing();
if (missing) console.warn(`web app end to end: skipped, ${missing}`);

/** A CSV of `rows` measurements (entity, ts, metric, value), streamed to disk; returns its size in bytes. */
async function writeCsv(path: string, rows: number, bad?: { line: number; value: string }): Promise<number> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? undefined : new Promise<void>((ok) => out.once('drain', () => ok())));
  await write('entity,ts,metric,value\n');
  const start = Date.UTC(2026, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    // line numbers count the header as line 1
    const value = bad && bad.line === i + 2 ? bad.value : String(((i * 7919) % 1000) / 10 + (i % 4) * 100);
    chunk += `sensor-${i % 20},${new Date(start + i * 1000).toISOString()},m${i % 3},${value}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
  return (await stat(path)).size;
}

function outboxItem(page: Page, text: string) {
  return page.getByTestId('outbox-item').filter({ hasText: text });
}

/** Types records into the grid and submits them; the dataset name is also the item's label in the outbox. */
async function submitRecords(page: Page, dataset: string, rows: Array<[string, string, string, string]>) {
  if (!page.url().endsWith('/batches/new')) await page.goto('/batches/new');
  await page.getByLabel('Dataset', { exact: true }).fill(dataset);
  await page.getByTestId('mode-records').click();
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) await page.getByTestId('add-row').click();
    const [entity, ts, metric, value] = rows[i];
    await page.getByLabel(`Entity, row ${i + 1}`, { exact: true }).fill(entity);
    await page.getByLabel(`Time (RFC 3339), row ${i + 1}`, { exact: true }).fill(ts);
    await page.getByLabel(`Metric, row ${i + 1}`, { exact: true }).fill(metric);
    await page.getByLabel(`Value, row ${i + 1}`, { exact: true }).fill(value);
  }
  await page.getByTestId('submit-batch').click();
}

async function submitFile(page: Page, dataset: string, path: string, complexity = '1') {
  if (!page.url().endsWith('/batches/new')) await page.goto('/batches/new');
  await page.getByLabel('Dataset', { exact: true }).fill(dataset);
  await page.getByLabel(/^Complexity/).fill(complexity);
  await page.getByTestId('mode-file').click();
  await page.getByTestId('file-input').setInputFiles(path);
  await page.getByTestId('submit-batch').click();
}

const records = (entity: string, n: number, base = 10): Array<[string, string, string, string]> =>
  Array.from({ length: n }, (_, i) => [entity, `2026-11-01T00:00:0${i}Z`, 'temp', String(base + i)]);

async function logIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/batches');
}

/** Collects every value of `data-status` the batch page shows, as it changes, without a reload. */
async function recordStatuses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __statuses: string[] }).__statuses = seen;
    const note = () => {
      const s = document.querySelector('[data-testid="batch-status"]')?.getAttribute('data-status');
      if (s && seen[seen.length - 1] !== s) seen.push(s);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return () => page.evaluate(() => (globalThis as unknown as { __statuses: string[] }).__statuses);
}

/**
 * The web app in Debian's Chromium against genlake running as processes (gateway serving the built app,
 * processor, corrector, notifier, mail and CRM stand-ins, real Postgres, RabbitMQ and S3 server): a new user's
 * whole first session, then the failures users must never see — the gateway down, the browser offline, a reload
 * or a browser restart mid-upload, 503 and a stalled server — and a bad CSV line reported where it is.
 */
describe.skipIf(missing)('the web app in a browser', () => {
  let system: WebSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let files: string;
  const email = `web-${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  const violations: Array<{ page: string; violations: AxeViolation[] }> = [];
  const consoleProblems: string[] = [];

  async function checkAccessibility(name: string, p = page) {
    violations.push({ page: name, violations: await axeViolations(p) });
  }

  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), 'genlake-web-files-'));
    await mkdir(SHOTS, { recursive: true });
    [system, browser] = await Promise.all([WebSystem.start('web'), launchBrowser()]);
    context = await browser.newContext({ baseURL: system.url, viewport: DESKTOP, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      // A refused connection while the gateway is down is the browser's own log line, not the app's.
      if (
        m.type() === 'error' &&
        !/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED/.test(m.text())
      )
        consoleProblems.push(m.text());
    });
    page.on('pageerror', (e) => consoleProblems.push(`uncaught: ${e.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('registers, confirms from the email in the app, and logs in', async () => {
    await page.goto('/');
    await page.waitForURL('**/login');
    await checkAccessibility('login');
    await screenshots(page, SHOTS, 'login');
    await page.getByRole('link', { name: 'No account yet? Register' }).click();
    await page.waitForURL('**/register');
    await checkAccessibility('register');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Email me when a batch of mine is completed').check();
    await page.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.getByTestId('register-done').isVisible(), { timeout: 15_000 }).toBe(true);

    const [message] = await waitFor(
      'the confirmation email',
      () => system.mail.messagesTo(email),
      (m) => m.length > 0,
      30_000,
    );
    const link = new RegExp(`${system.url.replace(/[.:/]/g, '\\$&')}/confirm\\?token=[A-Za-z0-9_-]+`).exec(
      message.Text,
    )?.[0];
    expect(link, message.Text).toBeDefined();
    await page.goto(link!);
    await checkAccessibility('confirm');
    await page.getByTestId('confirm-button').click();
    await expect.poll(() => page.getByTestId('confirm-done').isVisible(), { timeout: 15_000 }).toBe(true);
    const [account] = await system.sql<Array<{ confirmed: boolean }>>`
      select email_confirmed_at is not null as confirmed from users where email = ${email}`;
    expect(account.confirmed).toBe(true);

    await logIn(page, email, password);
    // The refresh token is an httpOnly cookie scoped to the auth routes: the page's script cannot read it.
    const cookies = await context.cookies();
    const refresh = cookies.find((c) => c.name === 'genlake_refresh');
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('genlake_refresh');
  });

  let typedBatch: string;
  let bigBatch: string;
  const bigRows = 1_200_000;

  it('submits typed records and a 50 MB CSV, showing the upload progress, and both complete live', async () => {
    await page.goto('/batches/new');
    await checkAccessibility('submit');
    await submitRecords(page, 'web-first', records('sensor-a', 3));
    await expect.poll(() => outboxItem(page, 'web-first').getByTestId('outbox-item-status').innerText()).toBe(SENT);
    await screenshots(page, SHOTS, 'submit');

    const csv = join(files, 'big.csv');
    const size = await writeCsv(csv, bigRows);
    expect(size).toBeGreaterThan(50 * 1000 * 1000);
    await submitFile(page, 'web-first', csv, '2');
    const item = outboxItem(page, 'big.csv');
    // The progress bar moves: seen between the first and the last byte.
    const bar = item.getByTestId('upload-progress');
    await bar.waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => Number(await bar.getAttribute('value').catch(() => '0')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    expect(await item.locator('.progress-text').innerText()).toMatch(/\d+% · .+\/s · .+ left|Starting/);
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText(), { timeout: 180_000 }).toBe(SENT);

    typedBatch = (await outboxItem(page, 'web-first: 3 records').getByTestId('outbox-item-batch').getAttribute('href'))!
      .split('/')
      .pop()!;
    await item.getByTestId('outbox-item-batch').click();
    await page.waitForURL('**/batches/*');
    bigBatch = page.url().split('/').pop()!;
    const statuses = await recordStatuses(page);
    await expect
      .poll(() => page.getByTestId('batch-status').getAttribute('data-status'), { timeout: 300_000 })
      .toBe('completed');
    // Seen through the live stream, not a reload: at least one state before "completed".
    const seen = await statuses();
    expect(seen.at(-1)).toBe('completed');
    expect(seen.length, seen.join(' → ')).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('stage-completed').getAttribute('class')).toContain('done');
    const generations = page.getByTestId('generation-row');
    await expect.poll(() => generations.count()).toBe(2);
    expect(await generations.first().innerText()).toContain(String(bigRows));
    await checkAccessibility('batch');
    await screenshots(page, SHOTS, 'batch');

    const [typed] = (await system.batchesOf('web-first')).filter((b) => b.id === typedBatch);
    expect(typed).toMatchObject({ status: 'completed', record_count: 3 });
  });

  it('downloads the result as CSV: one line per corrected estimate, every entity of the upload', async () => {
    await page.goto(`/batches/${bigBatch}`);
    const corrected = page.getByTestId('generation-row').filter({ hasText: 'corrected' });
    const estimatesRow = corrected
      .locator('tr')
      .filter({ has: page.getByRole('link', { name: 'corrected_estimates' }) });
    const expectedRows = Number(await estimatesRow.locator('td.num').innerText());
    expect(expectedRows).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    expect(download.suggestedFilename()).toBe(`batch-${bigBatch}.csv`);
    const path = join(files, 'result.csv');
    await download.saveAs(path);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    const header = lines[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['entity', 'metric', 'value']));
    expect(lines.length - 1).toBe(expectedRows);
    const entities = new Set(lines.slice(1).map((l) => l.split(',')[header.indexOf('entity')]));
    expect([...entities].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sensor-${i}`).sort());
  });

  it('browses an intermediate table down to a parent row', async () => {
    await page.goto(`/batches/${typedBatch}`);
    await page.getByTestId('generation-row').first().getByRole('link', { name: 'estimates' }).click();
    await page.waitForURL('**/tables/estimates');
    await expect.poll(() => page.locator('.vrow').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await checkAccessibility('table');
    await screenshots(page, SHOTS, 'table');
    // estimate → its feature → the feature's window → the window's observations
    for (const [column, table] of [
      ['source_feature_id', 'features'],
      ['window_id', 'windows'],
      ['window_id', 'observations'],
    ] as const) {
      const names = await page.locator('.vtable thead th').allInnerTexts();
      const index = names.indexOf(column);
      expect(index, `${column} in ${names.join(',')}`).toBeGreaterThanOrEqual(0);
      const cell = page.locator('.vrow').first().locator('td').nth(index);
      const value = await cell.innerText();
      await cell.getByRole('link').click();
      await page.waitForURL(`**/tables/${table}?*`);
      await expect.poll(() => page.locator('.vrow').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await page.locator('.filters-active').innerText()).toContain(value);
    }
    expect(await page.locator('.vtable thead th').allInnerTexts()).toContain('obs_id');
    // The rows on screen, downloaded as CSV: the same filter, every row.
    const windowId = new URL(page.url()).searchParams.get('window_id');
    const shown = await page.locator('.vrow').count();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-table-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^web-first-generation-1-observations\.csv$/);
    const path = join(files, 'observations.csv');
    await download.saveAs(path);
    const [head, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
    const column = head.split(',').indexOf('window_id');
    expect(column).toBeGreaterThanOrEqual(0);
    expect(lines).toHaveLength(shown);
    expect(lines.every((l) => l.split(',')[column] === windowId)).toBe(true);
  });

  it('compares the generations of the dataset: a correction beside the processed value, its reason and history', async () => {
    // sensor-a/temp was about 11 in generation 1; about 5000 now is far out of line and is corrected.
    await submitRecords(page, 'web-first', records('sensor-a', 4, 5000));
    const item = outboxItem(page, 'web-first: 4 records');
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText()).toBe(SENT);
    const outlier = (await item.getByTestId('outbox-item-batch').getAttribute('href'))!.split('/').pop()!;
    await waitFor(
      'the outlier batch to complete',
      async () => (await system.batchesOf('web-first')).find((b) => b.id === outlier)?.status,
      (s) => s === 'completed',
      120_000,
    );
    await page.goto('/datasets/web-first');
    await expect.poll(() => page.getByTestId('dataset-generation').count(), { timeout: 15_000 }).toBe(6);
    const newest = page.getByTestId('dataset-generation').last();
    expect(await newest.innerText()).toMatch(/Generation 3 \(corrected\)[\s\S]*Uses generations 1/);
    await newest.getByTestId('compare-button').click();
    const row = page.getByTestId('correction-row');
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[0]).toBe('sensor-a / temp');
    expect(Number(cells[1])).toBeGreaterThan(4000);
    expect(Number(cells[2])).toBeLessThan(100);
    expect(cells[3]).toMatch(/modified-z-score/);
    // The generation it was judged against links to that generation's batch.
    expect(await row.getByRole('link', { name: 'generation 1' }).getAttribute('href')).toBe(`/batches/${typedBatch}`);
    await page.getByLabel('Entity / metric').selectOption({ label: 'sensor-a / temp' });
    const chart = page.getByTestId('estimate-chart');
    expect(await chart.getAttribute('aria-label')).toContain('sensor-a / temp');
    expect(await chart.innerHTML()).toMatch(/Generation 3: [\d.]+, corrected from [\d.]+/);
    await checkAccessibility('dataset');
    await screenshots(page, SHOTS, 'dataset');
  });

  it('while the gateway is down, a submission waits calmly and is delivered exactly once when it is back', async () => {
    await page.goto('/batches/new');
    await system.gateway.stop();
    await submitRecords(page, 'web-outage', records('sensor-o', 2));
    const item = outboxItem(page, 'web-outage');
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText()).toBe(WAITING);
    expect(await page.getByTestId('outbox-count').innerText()).toBe('1');
    // A reload while the gateway is down: the service worker opens the app, the item is still there.
    await page.reload();
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText()).toBe(WAITING);
    await page.waitForTimeout(3_000);
    expect(await visibleText(page)).not.toMatch(FAILURE_WORDS);
    await screenshots(page, SHOTS, 'outbox-waiting');
    await checkAccessibility('submit (waiting)');

    await system.gateway.launch();
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText(), { timeout: 60_000 }).toBe(SENT);
    expect(await page.getByTestId('outbox-count').isHidden()).toBe(true);
    const batches = await system.batchesOf('web-outage');
    expect(batches).toHaveLength(1);
    expect(batches[0].record_count).toBe(2);
  });

  it('offline, the app opens from the service worker and a submission goes out when back online', async () => {
    await page.goto('/batches/new');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'Submit a batch' }).isVisible()).toBe(true);
    await submitRecords(page, 'web-offline', records('sensor-f', 1));
    const item = outboxItem(page, 'web-offline');
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText()).toBe(WAITING);
    expect(await visibleText(page)).not.toMatch(FAILURE_WORDS);
    expect(await system.batchesOf('web-offline')).toHaveLength(0);
    await context.setOffline(false);
    await expect.poll(() => item.getByTestId('outbox-item-status').innerText(), { timeout: 60_000 }).toBe(SENT);
    expect(await system.batchesOf('web-offline')).toHaveLength(1);
  });

  it('a bad CSV line is reported with its line number and the reason', async () => {
    const csv = join(files, 'bad.csv');
    await writeCsv(csv, 20, { line: 7, value: 'warm' });
    await page.goto('/batches/new');
    await submitFile(page, 'web-bad', csv);
    const item = outboxItem(page, 'bad.csv');
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 60_000 }).toBe('rejected');
    const reason = await item.getByTestId('outbox-item-error').innerText();
    expect(reason).toMatch(/line 7/);
    expect(reason).toMatch(/value/);
    expect(await system.batchesOf('web-bad')).toHaveLength(0);
  });

  it('answered 503 with Retry-After and then stalled, the app waits as told and never shows an error', async () => {
    const proxy = new HttpProxy(new URL(system.url));
    await proxy.start();
    const ctx = await browser.newContext({ baseURL: proxy.url, viewport: DESKTOP });
    try {
      const p = await ctx.newPage();
      await logIn(p, email, password);
      await p.goto('/batches/new');
      proxy.setRules([
        { method: 'POST', pathPrefix: '/api/batches', action: { kind: 'unavailable', retryAfterSeconds: 4 } },
      ]);
      await submitRecords(p, 'web-slow', records('sensor-r', 2));
      const item = outboxItem(p, 'web-slow');
      await expect
        .poll(() => proxy.requests('POST', '/api/batches').length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2);
      await expect.poll(() => item.getByTestId('outbox-item-status').innerText()).toBe(WAITING);
      const [first, second] = proxy.requests('POST', '/api/batches');
      // Retry-After: 4 means not before 4 s (a little clock slack for the timers).
      expect(second.at - first.at).toBeGreaterThanOrEqual(3_900);
      proxy.setRules([{ method: 'POST', pathPrefix: '/api/batches', action: { kind: 'stall' } }]);
      const stalledFrom = proxy.requests('POST', '/api/batches').length;
      await expect
        .poll(() => proxy.requests('POST', '/api/batches').length, { timeout: 60_000 })
        .toBeGreaterThan(stalledFrom);
      await p.waitForTimeout(2_000);
      expect(await visibleText(p)).not.toMatch(FAILURE_WORDS);
      expect(await item.getByTestId('outbox-item-status').innerText()).not.toBe('Not accepted');
      expect(await system.batchesOf('web-slow')).toHaveLength(0);
      proxy.setRules([]);
      await expect.poll(() => item.getByTestId('outbox-item-status').innerText(), { timeout: 90_000 }).toBe(SENT);
      expect(await system.batchesOf('web-slow')).toHaveLength(1);
    } finally {
      await ctx.close();
      await proxy.stop();
    }
  });

  it('closed while an item waits and an upload is half done, the browser restarts and both finish, the upload resumed', async () => {
    const proxy = new HttpProxy(new URL(system.url));
    await proxy.start();
    const profile = join(files, 'profile');
    const csv = join(files, 'resume.csv');
    const size = await writeCsv(csv, 650_000);
    let ctx = await launchProfile(profile, proxy.url);
    try {
      let p = ctx.pages()[0] ?? (await ctx.newPage());
      await logIn(p, email, password);
      await p.goto('/batches/new');
      // Batches wait (503), uploads go through slowly.
      proxy.setRules([
        { method: 'POST', pathPrefix: '/api/batches', action: { kind: 'unavailable', retryAfterSeconds: 2 } },
      ]);
      proxy.setThrottle(2 * 1024 * 1024);
      await submitRecords(p, 'web-reload', records('sensor-w', 2));
      await expect
        .poll(() => outboxItem(p, 'web-reload: 2 records').getByTestId('outbox-item-status').innerText())
        .toBe(WAITING);
      await submitFile(p, 'web-reload', csv);
      await expect.poll(() => proxy.bytesUpstream('/api/uploads/'), { timeout: 120_000 }).toBeGreaterThan(size / 2);
      const before = proxy.bytesUpstream('/api/uploads/');
      await ctx.close();
      expect(await system.batchesOf('web-reload')).toHaveLength(0);

      proxy.setRules([]);
      proxy.setThrottle(0);
      ctx = await launchProfile(profile, proxy.url);
      p = ctx.pages()[0] ?? (await ctx.newPage());
      await p.goto('/batches/new');
      await expect
        .poll(() => outboxItem(p, 'web-reload: 2 records').getByTestId('outbox-item-status').innerText(), {
          timeout: 60_000,
        })
        .toBe(SENT);
      await expect
        .poll(() => outboxItem(p, 'resume.csv').getByTestId('outbox-item-status').innerText(), { timeout: 120_000 })
        .toBe(SENT);
      const total = proxy.bytesUpstream('/api/uploads/');
      // Resumed, not started over: the server got the file once, plus at most the part cut off (5 MiB parts).
      expect(total).toBeGreaterThanOrEqual(size);
      expect(total).toBeLessThanOrEqual(size + 5 * 1024 * 1024);
      expect(total - before).toBeLessThan(size - size / 2 + 5 * 1024 * 1024);
      const batches = await system.batchesOf('web-reload');
      expect(batches.map((b) => b.record_count).sort((a, b) => a - b)).toEqual([2, 650_000]);
    } finally {
      await ctx.close();
      await proxy.stop();
    }
  });

  it('every page passes axe-core with no violations, and the app logged no errors', async () => {
    await page.goto('/batches');
    await expect.poll(() => page.getByTestId('batch-row').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await checkAccessibility('batches');
    await screenshots(page, SHOTS, 'batches');
    await page.goto('/account');
    await expect.poll(() => page.getByText(`Signed in as ${email}`).isVisible()).toBe(true);
    await checkAccessibility('account');
    // An operator's dead-letters page.
    await system.sql`update users set role = 'operator' where email = ${email}`;
    await logIn(page, email, password);
    await page.goto('/dead-letters');
    await expect.poll(() => page.getByRole('heading', { name: 'Dead letters' }).isVisible()).toBe(true);
    await checkAccessibility('dead letters');

    const found = violations.filter((v) => v.violations.length > 0);
    expect(found, JSON.stringify(found, null, 2)).toEqual([]);
    expect(violations.map((v) => v.page)).toEqual(
      expect.arrayContaining([
        'login',
        'register',
        'confirm',
        'submit',
        'batch',
        'table',
        'dataset',
        'batches',
        'account',
        'dead letters',
      ]),
    );
    expect(consoleProblems).toEqual([]);
  });
});

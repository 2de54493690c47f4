import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  ServiceProcess,
  setupTestServices,
  type TestServices,
  waitFor,
} from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SESSION = { 'x-genlake-session': 'cookie' };

/** The `genlake_refresh` Set-Cookie of a response, split into its attributes. */
function refreshCookie(res: Response): { value: string; attributes: Record<string, string | true> } | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('genlake_refresh='));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(/;\s*/);
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const [k, v] = a.split('=');
    attributes[k.toLowerCase()] = v ?? true;
  }
  return { value: pair.slice('genlake_refresh='.length), attributes };
}

function csv(lines: string[]): string {
  return `entity,ts,metric,value\n${lines.join('\n')}\n`;
}

function csvRows(count: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      `sensor-${i % 50},2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z,m${i % 3},${(i % 997) / 10}`,
    );
  }
  return rows;
}

function metadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/**
 * The gateway side of the web app, from the outside: cookie sessions for the browser, the web app's files at /,
 * resumable (tus) uploads into the object storage and their submission as batches.
 */
describe('the gateway for the web app', () => {
  let services: TestServices;
  let workDir: string;
  let webDir: string;
  let storageDir: string;
  let gateway: ServiceProcess;
  let bare: ServiceProcess;
  let sql: postgres.Sql;

  beforeAll(async () => {
    services = await setupTestServices('web-api');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-web-api-'));
    webDir = join(workDir, 'web-dist');
    storageDir = join(workDir, 'storage');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>genlake</title><div id="app">shell</div>');
    await writeFile(join(webDir, 'assets', 'index-3f2a9c1b.js'), 'console.log("app")');
    await writeFile(join(webDir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
    await writeFile(join(webDir, 'manifest.webmanifest'), '{"name":"genlake"}');
    const env = {
      ...services.serviceEnv(),
      ...GENEROUS_LIMITS,
      STORAGE_URL: storageDir,
      WORK_DIR: join(workDir, 'work'),
      STREAM_BODY_MAX_BYTES: String(4 * 1024 * 1024),
    };
    const logs = join(workDir, 'logs');
    gateway = await ServiceProcess.start('gateway', { ...env, WEB_DIST_DIR: webDir }, logs);
    bare = await ServiceProcess.start(
      'gateway',
      { ...env, MIGRATE_ON_START: 'false', WORK_DIR: join(workDir, 'work-bare'), WEB_DIST_DIR: join(workDir, 'none') },
      join(logs, 'bare'),
    );
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), bare?.stop()]);
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  async function login(headers: Record<string, string> = SESSION) {
    const client = new GatewayClient(gateway.url);
    const user = await client.signUp(sql);
    const res = await fetch(`${gateway.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    return { client, user, res, body: (await res.json()) as Record<string, unknown> };
  }

  function refresh(cookie: string | undefined, headers: Record<string, string> = SESSION) {
    return fetch(`${gateway.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { ...headers, ...(cookie ? { cookie: `genlake_refresh=${cookie}` } : {}) },
    });
  }

  describe('cookie sessions', () => {
    it('sets the refresh token as an httpOnly, Secure, SameSite=Strict cookie of the auth routes, not in the body', async () => {
      const { res, body } = await login();
      expect(res.status).toBe(200);
      expect(body.refreshToken).toBeUndefined();
      expect(typeof body.accessToken).toBe('string');
      expect(body.expiresIn).toBeGreaterThan(0);
      const cookie = refreshCookie(res);
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie?.attributes).toMatchObject({
        httponly: true,
        secure: true,
        samesite: 'Strict',
        path: '/api/auth',
        'max-age': String(30 * 86_400),
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('rotates the cookie on refresh; a spent cookie presented again signs out the whole login', async () => {
      const { res } = await login();
      const first = refreshCookie(res)!.value;
      const rotated = await refresh(first);
      expect(rotated.status).toBe(200);
      const body = (await rotated.json()) as { accessToken: string; refreshToken?: string };
      expect(body.refreshToken).toBeUndefined();
      const second = refreshCookie(rotated)!.value;
      expect(second).not.toBe(first);
      const account = await fetch(`${gateway.url}/api/account`, {
        headers: { authorization: `Bearer ${body.accessToken}` },
      });
      expect(account.status).toBe(200);

      // The first cookie again (a stolen copy): 401, and the rotated one is revoked with it.
      const reused = await refresh(first);
      expect(reused.status).toBe(401);
      expect(((await reused.json()) as { message: string }).message).toMatch(/used already/);
      const after = await refresh(second);
      expect(after.status).toBe(401);
      expect(refreshCookie(after)?.attributes['max-age'] ?? refreshCookie(after)?.attributes.expires).toBeDefined();
    });

    it('answers 401 with the reason when the cookie is missing', async () => {
      const res = await refresh(undefined);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toMatch(/no session cookie/);
    });

    it('keeps the JSON body form for API clients that do not ask for the cookie', async () => {
      const { res, body } = await login({});
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const rotated = await fetch(`${gateway.url}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: body.refreshToken }),
      });
      expect(rotated.status).toBe(200);
      expect(((await rotated.json()) as { refreshToken: string }).refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('refuses the cookie form from another origin and accepts it from its own', async () => {
      const { res } = await login();
      const cookie = refreshCookie(res)!.value;
      const foreign = await refresh(cookie, { ...SESSION, origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect(((await foreign.json()) as { message: string }).message).toMatch(/origin/);
      const own = await refresh(cookie, { ...SESSION, origin: gateway.url });
      expect(own.status).toBe(200);
      const bad = await refresh(cookie, { 'x-genlake-session': 'yes' });
      expect(bad.status).toBe(400);
    });

    it('logs out: the login is revoked and the cookie cleared', async () => {
      const { res } = await login();
      const cookie = refreshCookie(res)!.value;
      const out = await fetch(`${gateway.url}/api/auth/logout`, {
        method: 'POST',
        headers: { ...SESSION, cookie: `genlake_refresh=${cookie}` },
      });
      expect(out.status).toBe(204);
      const cleared = refreshCookie(out);
      expect(cleared?.value).toBe('');
      expect(cleared?.attributes.path).toBe('/api/auth');
      expect((await refresh(cookie)).status).toBe(401);
    });
  });

  describe('the web app at /', () => {
    it('serves the files with cache headers and security headers, SPA routes as index.html, never under /api', async () => {
      const index = await fetch(`${gateway.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/text\/html/);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(index.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await index.text()).toContain('shell');

      const route = await fetch(`${gateway.url}/batches/0b7c3d1e-0000-4000-8000-000000000000?tab=tables`);
      expect(route.status).toBe(200);
      expect(await route.text()).toContain('shell');

      const asset = await fetch(`${gateway.url}/assets/index-3f2a9c1b.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      for (const path of ['/sw.js', '/manifest.webmanifest']) {
        const res = await fetch(`${gateway.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('cache-control'), path).toBe('no-cache');
      }
      expect((await fetch(`${gateway.url}/assets/index-00000000.js`)).status).toBe(404);
      const traversal = await fetch(`${gateway.url}/%2e%2e/%2e%2e/package.json`);
      expect(await traversal.text()).not.toContain('"workspaces"');
      const invalid = await fetch(`${gateway.url}/batches/%FF`);
      expect(invalid.status).toBe(400);
      expect(typeof ((await invalid.json()) as { message?: unknown }).message).toBe('string');

      const api = await fetch(`${gateway.url}/api/no-such-route`);
      expect(api.status).toBe(404);
      expect(api.headers.get('content-type')).toMatch(/application\/json/);
      expect(await api.text()).not.toContain('shell');
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);
    });

    it('serves the API alone when the app is not built, and says so in its log', async () => {
      expect((await fetch(`${bare.url}/`)).status).toBe(404);
      expect((await fetch(`${bare.url}/health/ready`)).status).toBe(200);
      const log = await readFile(join(workDir, 'logs', 'bare', 'gateway.log'), 'utf8');
      expect(log).toContain('the web app is not built');
      // The emailed confirmation link (/confirm) still works: the gateway's own page with its button answers it.
      const confirm = await fetch(`${bare.url}/confirm?token=abc`, { redirect: 'manual' });
      expect(confirm.status).toBe(302);
      expect(confirm.headers.get('location')).toBe('/api/auth/confirm?token=abc');
    });
  });

  describe('resumable uploads', () => {
    async function create(client: GatewayClient, size: number, filetype = 'text/csv') {
      const res = await fetch(`${gateway.url}/api/uploads`, {
        method: 'POST',
        headers: client.auth({
          'tus-resumable': '1.0.0',
          'upload-length': String(size),
          'upload-metadata': metadata({ filename: 'data.csv', filetype }),
        }),
      });
      return res;
    }

    async function patch(
      client: GatewayClient,
      location: string,
      offset: number,
      body: Buffer | ReadableStream,
      signal?: AbortSignal,
    ) {
      return fetch(`${gateway.url}${location}`, {
        method: 'PATCH',
        headers: client.auth({
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        }),
        body,
        duplex: 'half',
        signal,
      } as RequestInit);
    }

    async function head(client: GatewayClient, location: string) {
      return fetch(`${gateway.url}${location}`, { method: 'HEAD', headers: client.auth({ 'tus-resumable': '1.0.0' }) });
    }

    async function fromUpload(client: GatewayClient, upload: string, key: string, dataset = 'uploads') {
      return client.postJson(
        '/api/batches/from-upload',
        { upload, dataset, options: { complexity: 2 } },
        client.auth({ 'idempotency-key': key }),
      );
    }

    it('resumes an interrupted upload where the server stopped, then submits it as a batch exactly once', async () => {
      const client = new GatewayClient(gateway.url);
      await client.signUp(sql);
      const content = Buffer.from(csv(csvRows(40_000)));
      const created = await create(client, content.length);
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
      const uploadId = location.split('/').pop()!;

      // The first PATCH sends half the file and then the connection is cut.
      const half = Math.floor(content.length / 2);
      const abort = new AbortController();
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(content.subarray(0, half));
        },
      });
      const cut = patch(client, location, 0, body, abort.signal).catch((err: Error) => err);
      const file = join(storageDir, 'uploads', uploadId);
      await waitFor(
        'the first half at the server',
        () => stat(file).then((s) => s.size),
        (n) => n >= half,
        60_000,
      );
      abort.abort();
      await cut;

      // The server says how much it has; the second PATCH sends only the rest.
      const offset = Number(
        (
          await waitFor(
            'the upload offset',
            () => head(client, location),
            (r) => r.status === 200,
            60_000,
          )
        ).headers.get('upload-offset'),
      );
      expect(offset).toBe(half);
      const notDone = await fromUpload(client, uploadId, 'upload-early');
      expect(notDone.status).toBe(409);
      const rest = await patch(client, location, offset, content.subarray(offset));
      expect(rest.status).toBe(204);
      expect(Number(rest.headers.get('upload-offset'))).toBe(content.length);

      const submitted = await fromUpload(client, uploadId, 'upload-1');
      expect(submitted.status, submitted.text).toBe(202);
      expect(submitted.headers.get('location')).toBe(`/api/batches/${submitted.body.id}`);
      const again = await fromUpload(client, uploadId, 'upload-1');
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(submitted.body.id);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const rows = await sql<{ record_count: number; source_format: string }[]>`
        select record_count::int as record_count, source_format from batches where id = ${String(submitted.body.id)}`;
      expect(rows).toEqual([{ record_count: 40_000, source_format: 'csv' }]);
    });

    it('answers a bad record on line 7 with a 400 naming line 7', async () => {
      const client = new GatewayClient(gateway.url);
      await client.signUp(sql);
      const lines = csvRows(10);
      lines[5] = 'sensor-1,2026-01-01T00:00:05Z,m1,not-a-number';
      const content = Buffer.from(csv(lines));
      const location = (await create(client, content.length)).headers.get('location')!;
      expect((await patch(client, location, 0, content)).status).toBe(204);
      const res = await fromUpload(client, location.split('/').pop()!, 'bad-line');
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toMatch(/line 7/);
    });

    it('hides an upload from everyone but its owner and refuses what is not CSV or NDJSON or too large', async () => {
      const owner = new GatewayClient(gateway.url);
      await owner.signUp(sql);
      const other = new GatewayClient(gateway.url);
      await other.signUp(sql);
      const content = Buffer.from(csv(csvRows(5)));
      const location = (await create(owner, content.length)).headers.get('location')!;
      const uploadId = location.split('/').pop()!;
      expect((await head(other, location)).status).toBe(404);
      const stolen = await patch(other, location, 0, content);
      expect(stolen.status).toBe(404);
      expect(Number((await head(owner, location)).headers.get('upload-offset'))).toBe(0);
      expect((await patch(owner, location, 0, content)).status).toBe(204);
      const theirs = await fromUpload(other, uploadId, 'not-mine');
      expect(theirs.status).toBe(404);
      expect((await fromUpload(owner, 'f'.repeat(32), 'unknown')).status).toBe(404);

      const anonymous = await fetch(`${gateway.url}/api/uploads`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
      });
      expect(anonymous.status).toBe(401);
      const pdf = await create(owner, 10, 'application/pdf');
      expect(pdf.status).toBe(400);
      expect(await pdf.text()).toMatch(/filetype/);
      const huge = await create(owner, 5 * 1024 * 1024);
      expect(huge.status).toBe(413);
    });
  });
});

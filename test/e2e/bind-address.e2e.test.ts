import { type ChildProcess, spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, reachable } from '@genlake/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** The stand-ins as processes from their builds, with their HTTP port and the line that says where they listen. */
const STUBS = [
  { name: 'crm-stub', env: { PORT: '0' }, listening: /listening on (http:\/\/\S+)/ },
  { name: 'mail-stub', env: { PORT: '0', SMTP_PORT: '0' }, listening: /messages on (http:\/\/\S+?)\/api/ },
  { name: 'athena-stub', env: { PORT: '0' }, listening: /listening on (http:\/\/\S+)/ },
] as const;

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

function start(name: string, env: Record<string, string>) {
  const { HOST: _host, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'dist', 'main.js')], {
    env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An IPv4 address of this machine other than the loopback, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('the stand-ins listen on 127.0.0.1 unless told otherwise', () => {
  for (const stub of STUBS) {
    it(`${stub.name}: 127.0.0.1 by default, HOST=0.0.0.0 when told, and a bad HOST is refused by name`, async () => {
      const local = start(stub.name, stub.env);
      const url = new URL(await until(`${stub.name} to listen`, () => stub.listening.exec(local.out())?.[1]));
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);
      expect(await reachable('127.0.0.1', port, 2000)).toBe(true);
      if (outside) expect(await reachable(outside, port, 2000), `reachable at ${outside}:${port}`).toBe(false);

      const everywhere = start(stub.name, { ...stub.env, HOST: '0.0.0.0' });
      const wide = new URL(await until(`${stub.name} on 0.0.0.0`, () => stub.listening.exec(everywhere.out())?.[1]));
      if (outside) expect(await reachable(outside, Number(wide.port), 2000)).toBe(true);

      const bad = start(stub.name, { ...stub.env, HOST: 'not a host!' });
      expect(await bad.exited).toBe(1);
      expect(bad.err()).toContain(`${stub.name}: HOST must be an IP address`);
      expect(bad.err()).not.toMatch(/\n\s+at /);
    }, 40_000);
  }
});

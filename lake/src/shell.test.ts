import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type AthenaStub, startAthenaStub } from '@genlake/athena-stub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDirStorage } from '../../packages/kit/src/storage/local-dir.storage';
import { type CliEnv, runCli } from './cli';
import { buildFixtureLake } from './lake.fixture';

const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-shell-'));
let store: LocalDirStorage;
let observations = 0;
let stub: AthenaStub;

async function shell(lines: string[], env: CliEnv = {}, args: string[] = []) {
  let out = '';
  let err = '';
  const code = await runCli(['shell', ...args], {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    env,
    openStore: () => store,
    cacheDir: join(dir, 'cache'),
    stdin: Readable.from(lines.map((l) => `${l}\n`)),
    stdinIsTTY: false,
  });
  return { code, out, err };
}

beforeAll(async () => {
  ({ store, observations } = await buildFixtureLake(dir));
  stub = await startAthenaStub({ store, threads: 1 });
});

afterAll(async () => {
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('genlake-lake shell', () => {
  it('runs statements ending with ";" (over several lines), keeps going after an error', async () => {
    const { code, out, err } = await shell(
      ['select count(*) as n', '  from observations;', 'selec 1;', "select 'still here' as s;"],
      {},
      ['--format', 'csv'],
    );
    expect(code).toBe(0);
    expect(out).toBe(`n\r\n${2 * observations}\r\ns\r\nstill here\r\n`);
    expect(err).toBe('error: duckdb: line 1:1: Parser Error: syntax error at or near "selec"\n');
  });

  it('lists tables, describes one, switches format and engine', async () => {
    const env = {
      LAKE_ATHENA_ENDPOINT: stub.url,
      LAKE_ATHENA_RESULTS: 'pages',
      AWS_ACCESS_KEY_ID: 'stand-in',
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    };
    const { code, out, err } = await shell(
      [
        '.tables',
        '.describe windows',
        '.describe nope',
        '.format json',
        '.engine',
        'select count(*) as n from observations where generation = 1;',
        '.engine athena',
        '.engine',
        'select count(*) as n from observations where generation = 1;',
        '.engine nope',
        '.frobnicate',
        '.quit',
        'select 1;',
      ],
      env,
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^table +stage +primary_key/);
    expect(out).toContain('corrected_estimates');
    expect(out).toMatch(/\ncolumn +type +duckdb_type/);
    expect(out).toContain('duckdb\n');
    expect(out).toContain(`athena\n[\n{"n":${observations}}\n]\n`);
    expect(out.match(new RegExp(`\\{"n":${observations}\\}`, 'g'))).toHaveLength(2);
    expect(err).toContain('error: unknown lake table "nope"');
    expect(err).toContain('error: unknown engine nope; one of duckdb, athena, trino\n');
    expect(err).toContain('error: unknown command .frobnicate (.help lists them)\n');
    expect(err).toMatch(/athena: 1 row in .*query [0-9a-f-]{36}\n/);
    // `.quit` ends the shell: the last statement is not run.
    expect(stub.executions().filter((e) => e.query.includes('select 1'))).toHaveLength(0);
  });

  it('appends statements to the history file', async () => {
    const history = join(dir, 'history');
    await shell(['select 1 as a,', '  2 as b;'], { LAKE_SHELL_HISTORY: history });
    expect(readFileSync(history, 'utf8')).toBe('select 1 as a, 2 as b;\n');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './cli.command';
import { SCHEMAS_DIR, schemaNames } from './validator';

const EXAMPLES = join(SCHEMAS_DIR, '..', 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'genlake-contracts-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('genlake-contracts validate', () => {
  it('accepts a valid message', async () => {
    const result = await run(['validate', 'batch.accepted.v1/inline-payload.json'], { cwd: EXAMPLES });
    expect(result).toEqual({
      code: 0,
      stdout: 'ok: batch.accepted.v1/inline-payload.json is a valid batch.accepted v1\n',
      stderr: '',
    });
  });

  it('prints every error prefixed with the file and exits 1', async () => {
    const path = join(EXAMPLES, 'batch.accepted.v1/invalid/record-count-zero.json');
    const result = await run(['validate', path]);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${path}: /data/recordCount: must be >= 1\n` });
  });

  it('validates against a schema by name', async () => {
    const valid = await run(['validate', 'record.v1/with-tags.json', '--schema', 'record.v1'], { cwd: EXAMPLES });
    expect(valid).toMatchObject({ code: 0, stdout: 'ok: record.v1/with-tags.json is a valid record v1\n' });
    const invalid = await run(['validate', '-s', 'record.v1', 'record.v1/invalid/value-as-string.json'], {
      cwd: EXAMPLES,
    });
    expect(invalid).toEqual({
      code: 1,
      stdout: '',
      stderr: 'record.v1/invalid/value-as-string.json: /value: must be number\n',
    });
    // A record is not a message envelope.
    const asMessage = await run(['validate', 'record.v1/with-tags.json'], { cwd: EXAMPLES });
    expect(asMessage.code).toBe(1);
    expect(asMessage.stderr).toContain("must have required property 'type'");
  });

  it('validates several files and exits with the worst code', async () => {
    const result = await run(
      ['validate', 'batch.completed.v1/no-corrections.json', 'batch.completed.v1/invalid/wrong-type.json'],
      { cwd: EXAMPLES },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('ok: batch.completed.v1/no-corrections.json is a valid batch.completed v1\n');
    expect(result.stderr).toContain(
      'batch.completed.v1/invalid/wrong-type.json: /type: unknown message type "batch.finished"',
    );
  });

  it('reads stdin with -', async () => {
    const text = readFileSync(join(EXAMPLES, 'generation.produced.v1/first-generation.json'), 'utf8');
    expect(await run(['validate', '-'], { stdin: text })).toEqual({
      code: 0,
      stdout: 'ok: <stdin> is a valid generation.produced v1\n',
      stderr: '',
    });
    expect(await run(['validate', '-'], { stdin: Readable.from([Buffer.from(text)]) })).toMatchObject({ code: 0 });
  });

  it('validates NDJSON line by line', async () => {
    const ok = await run(['validate', '--schema', 'record.v1', 'record.v1/upload.ndjson'], { cwd: EXAMPLES });
    expect(ok).toEqual({
      code: 0,
      stdout: 'ok: record.v1/upload.ndjson is valid NDJSON, 3 lines, each a valid record v1\n',
      stderr: '',
    });
    const bad = await run(['validate', '--schema', 'record.v1', 'record.v1/invalid/upload.ndjson'], { cwd: EXAMPLES });
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        "record.v1/invalid/upload.ndjson:2: /: must have required property 'value'",
        'record.v1/invalid/upload.ndjson:4: /ts: must match format "date-time"',
        'record.v1/invalid/upload.ndjson: 2 of 3 lines invalid',
        '',
      ].join('\n'),
    });
  });

  it('reads NDJSON of messages from stdin, and with --ndjson', async () => {
    const lines = ['batch.accepted.v1/inline-payload.json', 'batch.completed.v1/no-corrections.json']
      .map((name) => JSON.stringify(JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8'))))
      .join('\n');
    expect(await run(['validate', '-'], { stdin: lines })).toMatchObject({
      code: 0,
      stdout: 'ok: <stdin> is valid NDJSON, 2 lines: 1 batch.accepted v1, 1 batch.completed v1\n',
    });
    const path = file('messages.txt', `${lines}\n`);
    expect(await run(['validate', '--ndjson', path])).toMatchObject({ code: 0 });
  });

  it('exits 2 on a bad JSON line of NDJSON, reporting its number', async () => {
    const path = file(
      'broken.ndjson',
      '{"entity":"e","ts":"2025-03-14T09:00:00Z","metric":"m","value":1}\n{"entity":\n',
    );
    const result = await run(['validate', '--schema', 'record.v1', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}:2: not valid JSON`);
  });

  it('exits 2 on an unreadable file, bad JSON or an unknown schema', async () => {
    const missing = await run(['validate', join(tmp, 'missing.json')]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: `error: cannot read ${join(tmp, 'missing.json')}: no such file\n`,
    });
    const missingNdjson = await run(['validate', join(tmp, 'missing.ndjson')]);
    expect(missingNdjson).toMatchObject({ code: 2 });
    expect(missingNdjson.stderr).toContain('no such file');
    expect((await run(['validate', tmp])).code).toBe(2);

    const bad = file('bad.json', '{"type": "batch.accepted",');
    const badResult = await run(['validate', bad]);
    expect(badResult.code).toBe(2);
    expect(badResult.stderr).toMatch(/^error: .*bad\.json is not valid JSON: /);

    const unknown = await run(['validate', '--schema', 'record.v9', bad]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown schema "record.v9" \(known: .*record\.v1/);

    expect((await run(['validate', file('empty.ndjson', '\n\n')])).code).toBe(2);
  });
});

describe('genlake-contracts', () => {
  it('lists every schema', async () => {
    expect(await run(['list'])).toEqual({ code: 0, stdout: `${schemaNames().join('\n')}\n`, stderr: '' });
  });

  it('prints usage on help, and exits 2 on a bad command line', async () => {
    expect(await run(['help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage:') });
    expect(await run(['--help'])).toMatchObject({ code: 0 });
    for (const argv of [[], ['frobnicate'], ['validate'], ['validate', 'x.json', '--bogus'], ['list', 'extra']]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage:');
    }
  });
});

/**
 * The batch lifecycle (packages/contracts/src/lifecycle.ts) is the one place that names a batch's statuses: code
 * elsewhere reads it, and the schema (the CHECK on `batches.status`) and the API (OpenAPI `BatchStatus`) agree with it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BATCH_STATUSES } from '@genlake/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT as root } from './trino.generator';

/** Source folders whose code must not write a batch status as a literal. */
const SOURCE_DIRS = ['services', 'packages', 'lake/src', 'migrations/src'];
/** The definition itself. */
const DEFINITION = 'packages/contracts/src/lifecycle.ts';
/** The same words meaning something else, by file and word (a new use of any other status there still fails). */
const OTHER_MEANINGS: Record<string, string[]> = {
  // The CRM's own answer to a delivery.
  'services/crm-stub/src/crm.stub.ts': ['accepted'],
  // The web outbox's verdict on one send (the gateway took the request).
  'services/web/src/outbox/retry.rules.ts': ['accepted'],
  'services/web/src/outbox/outbox.sender.ts': ['accepted'],
  // The processing team's area.
  'packages/contracts/src/topology.ts': ['processing'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

const isComment = (line: string) => /^(\/\/|\/\*|\*)/.test(line.trim());

describe('batch lifecycle', () => {
  it('is the only code that writes a batch status as a literal (tests and comments aside)', () => {
    const literal = new RegExp(`(['"\`])(${BATCH_STATUSES.join('|')})\\1`, 'g');
    const offenders: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(join(root, dir))) {
        const path = relative(root, file);
        if (path === DEFINITION) continue;
        const allowed = OTHER_MEANINGS[path] ?? [];
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (isComment(line)) return;
            const found = [...line.matchAll(literal)].map((m) => m[2]).filter((s) => !allowed.includes(s));
            if (found.length) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('catches a status literal in a service (the check above is not vacuous)', () => {
    const literal = new RegExp(`(['"\`])(${BATCH_STATUSES.join('|')})\\1`);
    expect(literal.test("update batches set status = 'correcting'")).toBe(true);
    expect(literal.test("if (batch.status === 'completed')")).toBe(true);
    expect(literal.test("stage = 'processed', status = 'complete'")).toBe(false);
    for (const [path, words] of Object.entries(OTHER_MEANINGS)) {
      const text = readFileSync(join(root, path), 'utf8');
      for (const word of words) expect(text, `${path} still uses '${word}'`).toContain(`'${word}'`);
    }
  });

  it('gives the batches table the same statuses, in order, and starts a batch at the first', () => {
    const sql = readFileSync(join(root, 'migrations/sql/0001_pipeline.sql'), 'utf8');
    const table = /create table batches \(([\s\S]*?)\n\);/.exec(sql)?.[1] ?? '';
    const column = /^\s*status text not null default '(\w+)' check \(status in \(([^)]*)\)\)/m.exec(table);
    expect(column, 'batches.status column').not.toBeNull();
    expect(column?.[1]).toBe(BATCH_STATUSES[0]);
    expect(column?.[2].split(',').map((s) => s.trim().replace(/'/g, ''))).toEqual([...BATCH_STATUSES]);
  });

  it('gives the API the same statuses', () => {
    const api = parse(readFileSync(join(root, 'services/gateway/openapi.yaml'), 'utf8')) as {
      components: { schemas: { BatchStatus: { enum: string[] } } };
    };
    expect(api.components.schemas.BatchStatus.enum).toEqual([...BATCH_STATUSES]);
  });
});

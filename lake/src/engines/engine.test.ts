import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ATHENA_LIST_PRICE_PER_TB_USD,
  ATHENA_MIN_BILLED_BYTES,
  athenaCostUsd,
  athenaPricePerTb,
} from './athena.engine';
import { athenaWorkgroupName } from './athena.names';
import { duckdbErrorPosition, duckdbSqlError } from './duckdb.engine';
import { dedupe, normalizeEngineValue, normalizeTimestampText } from './engine';
import { trinoConfigFromEnv } from './trino.engine';

const PRICES = join(__dirname, '..', '..', '..', 'tools', 'cost', 'prices.json');

describe('normalizeEngineValue', () => {
  it('turns Athena text and Trino JSON into the DuckDB engine’s values', () => {
    expect(normalizeEngineValue('bigint', '42')).toBe(42);
    expect(normalizeEngineValue('bigint', '9007199254740993')).toBe('9007199254740993');
    expect(normalizeEngineValue('bigint', 2 ** 60)).toBe(String(2 ** 60));
    expect(normalizeEngineValue('double', '1.0E20')).toBe(1e20);
    expect(normalizeEngineValue('double', 'NaN')).toBe('NaN');
    expect(normalizeEngineValue('boolean', 'false')).toBe(false);
    expect(normalizeEngineValue('timestamp(3)', '2026-01-01 00:00:00.000')).toBe('2026-01-01 00:00:00');
    expect(normalizeEngineValue('timestamp', '2026-01-01 00:00:00.250')).toBe('2026-01-01 00:00:00.25');
    expect(normalizeEngineValue('decimal(10,2)', '12.50')).toBe('12.50');
    expect(normalizeEngineValue('array', '[1, 2]')).toEqual([1, 2]);
    expect(normalizeEngineValue('array', '[a, null]')).toEqual(['a', null]);
    expect(normalizeEngineValue('array(timestamp(6))', ['2026-01-01 00:00:00.000000'])).toEqual([
      '2026-01-01 00:00:00',
    ]);
    expect(normalizeEngineValue('varchar', undefined)).toBeNull();
    expect(normalizeTimestampText('2026-01-01T10:00:00.100 UTC')).toBe('2026-01-01 10:00:00.1 UTC');
  });

  it('makes column names unique as DuckDB does', () => {
    expect(dedupe(['a', 'a', 'b', 'a'])).toEqual(['a', 'a:1', 'b', 'a:2']);
  });
});

describe('DuckDB error positions', () => {
  it('reads line and column from the caret, also in an excerpt of a long line', () => {
    const message = 'Parser Error: syntax error at or near "frm"\n\nLINE 2:   2 frm x\n            ^';
    expect(duckdbErrorPosition('select 1,\n  2 frm x', message)).toEqual({ line: 2, column: 5 });
    const long = `select ${Array.from({ length: 60 }, (_, i) => `c${i}`).join(', ')} frm t`;
    const from = long.indexOf('frm') - 30;
    const excerpt = `LINE 1: ...${long.slice(from, from + 40)}...`;
    const caret = `${' '.repeat(excerpt.indexOf('frm'))}^`;
    const at = duckdbErrorPosition(long, `Parser Error: x\n\n${excerpt}\n${caret}`);
    expect(at).toEqual({ line: 1, column: long.indexOf('frm') + 1 });
    expect(duckdbSqlError('select 1,\n  2 frm x', message)).toBe(
      'line 2:5: Parser Error: syntax error at or near "frm"',
    );
    expect(duckdbSqlError('x', 'IO Error: no file')).toBe('IO Error: no file');
  });
});

describe('Athena cost', () => {
  it('takes the price of the cost tool’s table, which agrees with the list price constant', () => {
    const prices = JSON.parse(readFileSync(PRICES, 'utf8')) as {
      regions: Record<string, { athena: { perTbScanned: number } }>;
    };
    for (const [region, p] of Object.entries(prices.regions)) {
      expect(athenaPricePerTb(region)).toBe(p.athena.perTbScanned);
      expect(p.athena.perTbScanned).toBe(ATHENA_LIST_PRICE_PER_TB_USD);
    }
    expect(athenaPricePerTb('eu-central-1', '/nonexistent/prices.json')).toBe(ATHENA_LIST_PRICE_PER_TB_USD);
  });

  it('bills at least 10 MB, rounded up to the MB', () => {
    expect(athenaCostUsd(0, 5)).toBeCloseTo((ATHENA_MIN_BILLED_BYTES / 2 ** 40) * 5, 12);
    expect(athenaCostUsd(2 ** 40, 5)).toBe(5);
    expect(athenaCostUsd(2 ** 40 + 1, 5)).toBeCloseTo(5 + (2 ** 20 / 2 ** 40) * 5, 12);
  });
});

describe('configuration', () => {
  it('defaults to the CDK app’s workgroup and the compose stack’s Trino', () => {
    expect(athenaWorkgroupName('dev')).toBe('genlake-dev-analysts');
    expect(trinoConfigFromEnv({})).toEqual({
      server: 'http://localhost:8088',
      catalog: 'hive',
      schema: 'genlake',
      user: 'genlake-lake',
      password: undefined,
    });
  });
});

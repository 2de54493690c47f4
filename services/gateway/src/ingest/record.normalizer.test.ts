import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NormalizedRecord, normalizeRecord, tryNormalizeRecord } from './record.normalizer';

const base = { entity: 'sensor-1', ts: '2026-01-01T00:00:00Z', metric: 'temp', value: 1.5 };

function ok(input: unknown, index = 0): NormalizedRecord {
  const r = normalizeRecord(input, index);
  if (!r.ok) throw new Error(`expected success, got: ${r.error}`);
  return r.record;
}

function err(input: unknown, index = 0): string {
  const r = normalizeRecord(input, index);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.record)}`);
  return r.error;
}

describe('normalizeRecord: accepted records', () => {
  it('normalizes a full record, fields in canonical order', () => {
    const r = ok(
      {
        tags: { site: 'b', area: 'a' },
        value: -0,
        metric: '  Temperature ',
        ts: '2026-03-04T05:06:07Z',
        entity: ' e1 ',
      },
      7,
    );
    expect(r).toEqual({
      i: 7,
      entity: 'e1',
      ts: '2026-03-04T05:06:07.000Z',
      metric: 'temperature',
      value: 0,
      tags: { area: 'a', site: 'b' },
    });
    expect(Object.is(r.value, 0)).toBe(true);
    expect(JSON.stringify(r)).toBe(
      '{"i":7,"entity":"e1","ts":"2026-03-04T05:06:07.000Z","metric":"temperature","value":0,"tags":{"area":"a","site":"b"}}',
    );
  });

  it('omits empty tags and keeps the input untouched', () => {
    const input = { ...base, tags: {} };
    expect(ok(input)).toEqual({ i: 0, entity: 'sensor-1', ts: '2026-01-01T00:00:00.000Z', metric: 'temp', value: 1.5 });
    expect('tags' in ok(input)).toBe(false);
    expect(input.tags).toEqual({});
  });

  it.each([
    ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01t00:00:00z', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.500Z'],
    ['2026-01-01T00:00:00.123456789Z', '2026-01-01T00:00:00.123Z'], // truncated, never rounded
    ['2026-12-31T23:59:59.9999Z', '2026-12-31T23:59:59.999Z'],
    ['2026-01-01T01:30:00+02:00', '2025-12-31T23:30:00.000Z'],
    ['2026-12-31T20:00:00-05:30', '2027-01-01T01:30:00.000Z'],
    ['2024-02-28T23:00:00-01:00', '2024-02-29T00:00:00.000Z'],
    ['2026-03-01T00:00:00+00:01', '2026-02-28T23:59:00.000Z'],
    ['2024-03-01T00:00:00+00:01', '2024-02-29T23:59:00.000Z'],
    ['2026-05-01T00:00:00-00:00', '2026-05-01T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['2026-06-15T10:11:12.3+23:59', '2026-06-14T10:12:12.300Z'],
  ])('timestamp %s → %s', (ts, expected) => {
    expect(ok({ ...base, ts }).ts).toBe(expected);
  });

  it('agrees with Date for offsets over many instants', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 11, 31) }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (ms, offset) => {
          const local = new Date(ms + offset * 60000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const a = Math.abs(offset);
          const tz = `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          expect(ok({ ...base, ts: `${local}${tz}` }).ts).toBe(new Date(ms).toISOString());
        },
      ),
    );
  });

  it('accepts the limits exactly, counting code points', () => {
    const tags = Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`k${k}`, 'v']));
    expect(ok({ ...base, entity: 'e'.repeat(256), metric: 'm'.repeat(128), tags }).tags).toEqual(tags);
    expect(ok({ ...base, entity: '😀'.repeat(256) }).entity).toBe('😀'.repeat(256));
    expect(ok({ ...base, tags: { ['k'.repeat(128)]: 'v'.repeat(1024) } }).tags).toBeDefined();
    expect(ok({ ...base, tags: { k: '' } }).tags).toEqual({ k: '' });
  });

  it('accepts objects without prototype and keeps keys like hasOwnProperty', () => {
    const o = Object.assign(Object.create(null), base, { tags: { hasOwnProperty: 'x', toString: 'y' } });
    expect(ok(o).tags).toEqual({ hasOwnProperty: 'x', toString: 'y' });
  });
});

describe('normalizeRecord: rejected records', () => {
  it('names the record, the field and the problem', () => {
    expect(err({ ...base, ts: '2026-02-30T00:00:00Z' }, 17)).toBe(
      'record 17: ts "2026-02-30T00:00:00Z" is not a valid date-time (no such day)',
    );
    expect(err({ ...base, value: '12' }, 3)).toBe('record 3: value must be a number, got string "12"');
    expect(err({ ...base, extra: 1 }, 0)).toBe('record 0: unknown field "extra"');
    expect(tryNormalizeRecord({ ...base, extra: 1 }, 0)).toBe('unknown field "extra"');
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'no such day'],
    ['2025-02-29T00:00:00Z', 'no such day'],
    ['1900-02-29T00:00:00Z', 'the year is outside 1970..9999'],
    ['2026-04-31T00:00:00Z', 'no such day'],
    ['2026-00-10T00:00:00Z', 'no such month'],
    ['2026-13-10T00:00:00Z', 'no such month'],
    ['2026-01-00T00:00:00Z', 'no such day'],
    ['2026-01-01T25:00:00Z', 'no such time of day'],
    ['2026-01-01T24:00:00Z', 'no such time of day'],
    ['2026-01-01T23:60:00Z', 'no such time of day'],
    ['2026-01-01T23:59:61Z', 'no such time of day'],
    ['2016-12-31T23:59:60Z', 'leap seconds are not supported'],
    ['1969-12-31T23:59:59Z', 'the year is outside 1970..9999'],
    ['1970-01-01T00:30:00+01:00', 'the year is outside 1970..9999 in UTC'],
    ['9999-12-31T23:00:00-02:00', 'the year is outside 1970..9999 in UTC'],
    ['10000-01-01T00:00:00Z', 'expected'],
    ['2026-01-01T00:00:00', 'expected'],
    ['2026-01-01', 'expected'],
    ['2026-01-01 00:00:00Z', 'expected'],
    ['2026-01-01T00:00:00.Z', 'a fraction of a second needs at least one digit'],
    ['2026-01-01T00:00:00+0200', 'expected a timezone'],
    ['2026-01-01T00:00:00+24:00', 'the timezone offset is out of range'],
    ['2026-01-01T00:00:00+02:60', 'the timezone offset is out of range'],
    ['2026-01-01T00:00:00ZZ', 'unexpected characters after the timezone'],
    ['2026-1-01T00:00:00Z', 'expected'],
    ['２０２６-01-01T00:00:00Z', 'expected'],
    [`2026-01-01T00:00:00.${'1'.repeat(30)}Z`, 'expected'],
    ['', 'expected'],
  ])('rejects ts %j (%s)', (ts, reason) => {
    const e = err({ ...base, ts }, 1);
    expect(e).toContain(`record 1: ts ${JSON.stringify(ts)} is not a valid date-time (`);
    expect(e).toContain(reason);
  });

  it.each([
    [{ ...base, entity: 'a\u0000b' }, 'entity contains a NUL character'],
    [{ ...base, metric: 'm\u0000' }, 'metric contains a NUL character'],
    [{ ...base, tags: { 'k\u0000': 'v' } }, 'tags: key "k\\u0000" contains a NUL character'],
    [{ ...base, tags: { k: 'v\u0000' } }, 'tag "k" contains a NUL character'],
    [{ ...base, entity: 'a\ud800b' }, 'entity is not well-formed Unicode'],
    [{ ...base, entity: '   ' }, 'entity is empty'],
    [{ ...base, metric: '\t\n' }, 'metric is empty'],
    [{ ...base, entity: 'e'.repeat(257) }, 'entity is longer than 256 characters'],
    [{ ...base, entity: '😀'.repeat(257) }, 'entity is longer than 256 characters'],
    [{ ...base, metric: 'm'.repeat(129) }, 'metric is longer than 128 characters'],
    [{ ...base, tags: { ['k'.repeat(129)]: 'v' } }, `tags: key "${'k'.repeat(57)}..." is longer than 128 characters`],
    [{ ...base, tags: { k: 'v'.repeat(1025) } }, 'tag "k" is longer than 1024 characters'],
    [{ ...base, tags: { '': 'v' } }, 'tags: a key is empty'],
    [
      { ...base, tags: Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`k${k}`, 'v'])) },
      'tags has more than 64 keys',
    ],
    [{ ...base, value: Number.NaN }, 'value must be a finite number, got NaN'],
    [{ ...base, value: Number.POSITIVE_INFINITY }, 'value must be a finite number, got Infinity'],
    [{ ...base, value: Number.NEGATIVE_INFINITY }, 'value must be a finite number, got -Infinity'],
    [{ ...base, value: '1.5' }, 'value must be a number, got string "1.5"'],
    [{ ...base, value: null }, 'value must be a number, got null'],
    [{ ...base, value: true }, 'value must be a number, got boolean'],
    [{ ...base, value: [1] }, 'value must be a number, got an array'],
    [{ ...base, entity: 12 }, 'entity must be a string, got number'],
    [{ ...base, ts: 1767225600000 }, 'ts must be a string, got number'],
    [{ ...base, metric: { a: 1 } }, 'metric must be a string, got an object'],
    [{ ...base, tags: null }, 'tags must be an object of strings, got null'],
    [{ ...base, tags: ['a'] }, 'tags must be an object of strings, got an array'],
    [{ ...base, tags: 'a=b' }, 'tags must be an object of strings, got string "a=b"'],
    [{ ...base, tags: { k: 1 } }, 'tag "k" must be a string, got number'],
    [{ ...base, tags: { k: { deep: 'x' } } }, 'tag "k" must be a string, got an object'],
    [{ ...base, tags: new Map() }, 'tags must be an object of strings, got an object'],
    [{ ...base, unit: 'C' }, 'unknown field "unit"'],
    [{ ...base, i: 3 }, 'unknown field "i"'],
    [{ ts: base.ts, metric: 'm', value: 1 }, 'entity is missing'],
    [{ entity: 'e', metric: 'm', value: 1 }, 'ts is missing'],
    [{ entity: 'e', ts: base.ts, value: 1 }, 'metric is missing'],
    [{ entity: 'e', ts: base.ts, metric: 'm' }, 'value is missing'],
    [null, 'a record must be a JSON object, got null'],
    [[base], 'a record must be a JSON object, got an array'],
    ['{"entity":"e"}', 'a record must be a JSON object, got string'],
    [42, 'a record must be a JSON object, got number'],
    [undefined, 'a record must be a JSON object, got undefined'],
    [new Date(0), 'a record must be a plain JSON object'],
  ])('rejects %j', (input, message) => {
    expect(err(input, 4)).toContain(`record 4: ${message}`);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s at the top level and in tags', (key) => {
    const top = JSON.parse(`{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1,"${key}":{"x":1}}`);
    expect(err(top)).toBe(`record 0: key "${key}" is not allowed`);
    const inTags = JSON.parse(
      `{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1,"tags":{"${key}":"x"}}`,
    );
    expect(err(inTags)).toBe(`record 0: tags: key "${key}" is not allowed`);
  });

  it('does not leak a polluted prototype into the output', () => {
    const polluted = JSON.parse(
      '{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1,"__proto__":{"a":1}}',
    );
    expect(normalizeRecord(polluted, 0).ok).toBe(false);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it('quotes long or odd values briefly in errors', () => {
    const e = err({ ...base, ts: 'x'.repeat(10_000) });
    expect(e.length).toBeLessThan(200);
    expect(err({ ...base, value: 'a\nb' })).toContain('"a\\nb"');
  });
});

describe('normalizeRecord: properties', () => {
  const fields = {
    entity: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.anything()),
    ts: fc.oneof(
      fc
        .date({ min: new Date(Date.UTC(1969, 11, 30)), max: new Date(Date.UTC(10000, 0, 2)), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc
        .tuple(
          fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }),
          fc.integer({ min: -1439, max: 1439 }),
          fc.constantFrom('', '.1', '.12', '.1234', 'Z'),
        )
        .map(([d, off, frac]) => {
          const a = Math.abs(off);
          const tz = `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          return `${d.toISOString().slice(0, 19)}${frac === 'Z' ? '' : frac}${frac === 'Z' ? 'Z' : tz}`;
        }),
      fc.string(),
    ),
    metric: fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.constantFrom(' CPU.Load ', 'İstanbul', 'ß', 'ΣΑΣ'),
      fc.integer(),
    ),
    value: fc.oneof(fc.double(), fc.integer(), fc.string()),
    tags: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 130 }), fc.string({ maxLength: 20 }), { maxKeys: 70 }),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.anything(),
    ),
    extra: fc.jsonValue(),
  };
  const recordLike = fc.record(fields, { requiredKeys: [] });
  const { extra: _extra, ...known } = fields;
  const nearlyValid = fc.record(known, { requiredKeys: ['entity', 'ts', 'metric', 'value'] });
  const valid = fc.record(
    {
      entity: fc.string({ minLength: 1, maxLength: 256 }).filter((s) => s.trim() !== ''),
      ts: fields.ts,
      metric: fc.oneof(fc.string({ minLength: 1, maxLength: 128 }), fc.constantFrom(' CPU.Load ', 'İstanbul', 'ẞ')),
      value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
      tags: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 8 }),
    },
    { requiredKeys: ['entity', 'ts', 'metric', 'value'] },
  );

  it('never throws on arbitrary JSON values or record-like objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), recordLike), fc.nat(), (v, i) => {
        const r = normalizeRecord(v, i);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error.startsWith(`record ${i}: `)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepted records round-trip: normalizing the normalized output gives the same object', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(valid, nearlyValid, recordLike), fc.nat(), (v, i) => {
        const r = normalizeRecord(v, i);
        if (!r.ok) return;
        accepted++;
        const { i: index, ...fields } = r.record;
        expect(index).toBe(i);
        const again = normalizeRecord(fields, index);
        expect(again).toEqual({ ok: true, record: r.record });
        // ... also through its serialized line, as the ingestor writes it
        const line = JSON.stringify(r.record);
        const { i: _, ...parsed } = JSON.parse(line) as NormalizedRecord;
        const viaLine = normalizeRecord(parsed, index);
        expect(viaLine.ok && JSON.stringify(viaLine.record)).toBe(line);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });
});

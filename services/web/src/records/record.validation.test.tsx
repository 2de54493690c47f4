import recordSchema from '@genlake/contracts/schemas/record.v1.schema.json';
import { fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { describe, expect, it } from 'vitest';
import { RecordsGrid } from '../components/records-grid';
import { draftsToRecords, emptyDraft, type RecordDraft, validateDraft } from './record.validation';

const good: RecordDraft = { entity: 'sensor-1', ts: '2026-11-01T00:00:00Z', metric: 'temp', value: '21.5', tags: '' };

describe('record validation (mirrors record.v1)', () => {
  it('accepts a valid record and builds it with a number value and tags', () => {
    expect(validateDraft(good)).toEqual({});
    const result = draftsToRecords([{ ...good, tags: '{"site":"north"}' }, emptyDraft()]);
    expect(result).toEqual({
      ok: true,
      records: [
        { entity: 'sensor-1', ts: '2026-11-01T00:00:00Z', metric: 'temp', value: 21.5, tags: { site: 'north' } },
      ],
    });
  });

  it('reads its limits from the contract: entity and metric lengths, tag count and tag length', () => {
    const { entity, metric, tags } = recordSchema.properties;
    expect(validateDraft({ ...good, entity: 'x'.repeat(entity.maxLength) }).entity).toBeUndefined();
    expect(validateDraft({ ...good, entity: 'x'.repeat(entity.maxLength + 1) }).entity).toMatch(/At most/);
    expect(validateDraft({ ...good, metric: 'm'.repeat(metric.maxLength + 1) }).metric).toMatch(/At most/);
    const many = Object.fromEntries(Array.from({ length: tags.maxProperties + 1 }, (_, i) => [`k${i}`, 'v']));
    expect(validateDraft({ ...good, tags: JSON.stringify(many) }).tags).toMatch(/At most/);
    const long = { k: 'v'.repeat(tags.additionalProperties.maxLength + 1) };
    expect(validateDraft({ ...good, tags: JSON.stringify(long) }).tags).toMatch(/at most/);
    // counted in code points, as JSON Schema does: an emoji is one character
    expect(validateDraft({ ...good, entity: '😀'.repeat(entity.maxLength) }).entity).toBeUndefined();
  });

  it('wants an RFC 3339 time with an offset', () => {
    expect(validateDraft({ ...good, ts: '2026-11-01 00:00:00' }).ts).toBeDefined();
    expect(validateDraft({ ...good, ts: '2026-11-01T00:00:00' }).ts).toBeDefined();
    expect(validateDraft({ ...good, ts: '2026-11-01T00:00:00.123+02:00' }).ts).toBeUndefined();
    expect(validateDraft({ ...good, ts: '2026-13-45T00:00:00Z' }).ts).toBeDefined();
  });

  it('wants a JSON number as value and an object of strings as tags', () => {
    for (const bad of ['abc', '', '1,5', 'NaN', 'Infinity', '0x10', '1e999']) {
      expect(validateDraft({ ...good, value: bad }).value, bad).toBeDefined();
    }
    for (const ok of ['0', '-1.25', '3e8', '42'])
      expect(validateDraft({ ...good, value: ok }).value, ok).toBeUndefined();
    for (const bad of ['[]', '"x"', '{"n":1}', '{oops'])
      expect(validateDraft({ ...good, tags: bad }).tags, bad).toBeDefined();
  });

  it('an all-blank grid is not a batch; blank rows among filled ones are left out', () => {
    expect(draftsToRecords([emptyDraft()]).ok).toBe(false);
    expect(draftsToRecords([good, emptyDraft(), good])).toMatchObject({ ok: true, records: [{}, {}] });
    const bad = draftsToRecords([good, { ...good, value: 'x' }]);
    expect(bad.ok === false && bad.errors[1]).toEqual({ value: 'A number' });
  });
});

function Grid() {
  const [rows, setRows] = useState<RecordDraft[]>([emptyDraft()]);
  return <RecordsGrid rows={rows} showErrors={false} onChange={setRows} />;
}

describe('RecordsGrid', () => {
  it('shows the error of a cell as it is typed, and clears it when fixed', () => {
    render(<Grid />);
    const value = screen.getByLabelText('Value, row 1');
    expect(screen.queryAllByTestId('cell-error')).toHaveLength(0);
    fireEvent.input(value, { target: { value: 'abc' } });
    const errors = screen.getAllByTestId('cell-error');
    expect(errors.map((e) => e.textContent)).toContain('A number');
    expect(value.getAttribute('aria-invalid')).toBe('true');
    fireEvent.input(value, { target: { value: '1.5' } });
    expect(screen.queryAllByText('A number')).toHaveLength(0);
    expect(screen.getAllByTestId('grid-row')).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { filtersOf, relationOf } from './table.relations';
import { visibleWindow } from './virtual.window';

describe('table browser', () => {
  it('renders only the rows on screen of a 200,000-row table, with spacers for the rest', () => {
    const w = visibleWindow({ scrollTop: 32 * 100_000, height: 640, rowHeight: 32, count: 200_000, overscan: 10 });
    expect(w).toEqual({ start: 99_990, end: 100_030, before: 99_990 * 32, after: (200_000 - 100_030) * 32 });
    expect(visibleWindow({ scrollTop: 0, height: 640, rowHeight: 32, count: 5, overscan: 10 })).toMatchObject({
      start: 0,
      end: 5,
      after: 0,
    });
  });

  it('links an estimate to its feature, a feature to its window, a window to its observations', () => {
    expect(relationOf('estimates', 'source_feature_id')).toEqual({ table: 'features', column: 'feature_id' });
    expect(relationOf('features', 'window_id')).toEqual({ table: 'windows', column: 'window_id' });
    expect(relationOf('windows', 'window_id')).toEqual({ table: 'observations', column: 'window_id' });
    expect(relationOf('observations', 'value')).toBeUndefined();
  });

  it('reads column filters from the page query, leaving out search, order and paging', () => {
    expect(filtersOf({ window_id: '7', q: 'x', order: '-ts', cursor: 'c', 'value[gte]': '10' })).toEqual({
      window_id: '7',
      'value[gte]': '10',
    });
  });
});

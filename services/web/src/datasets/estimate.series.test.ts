import { describe, expect, it } from 'vitest';
import { plot, pointOf } from './estimate.series';

describe('estimate across generations', () => {
  it('takes the value and the corrected mark of a generation', () => {
    expect(pointOf(2, [{ value: 5, original_value: 9, corrected: true }])).toEqual({
      generation: 2,
      value: 5,
      corrected: true,
      original: 9,
    });
    expect(pointOf(1, [])).toBeUndefined();
  });

  it('draws the oldest generation on the left and the highest value at the top', () => {
    const p = plot(
      [
        { generation: 3, value: 10, corrected: true },
        { generation: 1, value: 0, corrected: false },
        { generation: 2, value: 5, corrected: false },
      ],
      200,
      100,
      10,
    );
    expect(p.map((q) => q.point.generation)).toEqual([1, 2, 3]);
    expect(p.map((q) => q.x)).toEqual([10, 100, 190]);
    expect(p.map((q) => q.y)).toEqual([90, 50, 10]);
    expect(plot([{ generation: 1, value: 3, corrected: false }], 200, 100, 10)[0]).toMatchObject({ x: 100 });
    const corrected = plot([{ generation: 1, value: 0, corrected: true, original: 10 }], 200, 100, 10)[0];
    expect(corrected).toMatchObject({ y: 90, yOriginal: 10 });
  });
});

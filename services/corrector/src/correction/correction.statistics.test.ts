import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedRange,
  DEGENERATE_SCORE,
  MAD_CONSISTENCY,
  MEAN_AD_CONSISTENCY,
  mad,
  meanAD,
  median,
  modifiedZScore,
  robustScale,
  scoreFor,
} from './correction.statistics';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const ints = fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 40 });

describe('median', () => {
  it('handles odd, even, unsorted and empty samples without modifying them', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([-1, -1, 10, 10])).toBe(4.5);
    expect(median([1e308, 1e308])).toBe(1e308);
    expect(median([-1e308, -1.7e308])).toBeCloseTo(-1.35e308, -300);
    expect(median([])).toBeNaN();
  });

  it('lies between min and max and is permutation-invariant', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 50 }), fc.infiniteStream(fc.nat()), (xs, seeds) => {
        const m = median(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
        const shuffled = [...xs];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = seeds.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        expect(median(shuffled)).toBe(m);
      }),
    );
  });

  it('has as many values on either side', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 50 }), (xs) => {
        const m = median(xs);
        expect(xs.filter((x) => x < m).length).toBeLessThanOrEqual(xs.length / 2);
        expect(xs.filter((x) => x > m).length).toBeLessThanOrEqual(xs.length / 2);
      }),
    );
  });
});

describe('mad and meanAD', () => {
  it('computes the textbook values', () => {
    // |x − 2| = 1 1 0 0 2 4 7 → sorted 0 0 1 1 2 4 7 → MAD 1
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(meanAD([1, 1, 2, 2, 4, 6, 9])).toBeCloseTo(15 / 7, 12);
    expect(mad([5, 5, 5, 9])).toBe(0);
    expect(meanAD([5, 5, 5, 9])).toBe(1);
    expect(mad([3, 3, 3])).toBe(0);
    expect(meanAD([3, 3, 3])).toBe(0);
    expect(mad([])).toBeNaN();
    expect(meanAD([])).toBeNaN();
  });

  it('MAD is ≥ 0, translation-invariant and scale-equivariant (exact on integers)', () => {
    fc.assert(
      fc.property(
        ints,
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: -1000, max: 1000 }),
        (xs, c, k) => {
          const d = mad(xs);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(mad(xs.map((x) => x + c))).toBe(d);
          expect(mad(xs.map((x) => k * x))).toBe(Math.abs(k) * d);
        },
      ),
    );
  });

  it('MAD properties hold on arbitrary doubles up to rounding', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
        (xs, c, k) => {
          const d = mad(xs);
          expect(d).toBeGreaterThanOrEqual(0);
          const tolerance = 1e-9 * (1 + Math.max(...xs.map(Math.abs)) + Math.abs(c));
          expect(Math.abs(mad(xs.map((x) => x + c)) - d)).toBeLessThanOrEqual(tolerance);
          expect(Math.abs(mad(xs.map((x) => k * x)) - Math.abs(k) * d)).toBeLessThanOrEqual(
            tolerance * (1 + Math.abs(k)),
          );
        },
      ),
    );
  });

  it('MAD resists outliers: changing fewer than half of the values keeps it bounded', () => {
    const base = [10, 11, 9, 10.5, 9.5, 10.2, 9.8];
    const spoiled = [...base.slice(0, 4), 1e9, -1e9, 1e12];
    expect(median(spoiled)).toBe(10.5);
    expect(mad(spoiled)).toBeLessThan(2);
  });
});

describe('modifiedZScore', () => {
  it('is 0.6745·(x − median)/MAD', () => {
    expect(modifiedZScore(20, 10, 2)).toBeCloseTo((0.6745 * 10) / 2, 12);
    expect(modifiedZScore(0, 10, 2)).toBeCloseTo((-0.6745 * 10) / 2, 12);
    expect(modifiedZScore(10, 10, 2)).toBe(0);
  });

  it('falls back to 1.253314·meanAD when MAD is 0', () => {
    expect(modifiedZScore(9, 5, 0, 1)).toBeCloseTo(4 / 1.253314, 12);
    expect(modifiedZScore(9, 5, 0, 0)).toBe(DEGENERATE_SCORE);
    expect(modifiedZScore(1, 5, 0, 0)).toBe(-DEGENERATE_SCORE);
    expect(modifiedZScore(5, 5, 0, 0)).toBe(0);
    expect(modifiedZScore(5, 5, 0)).toBe(0);
  });

  it('is always finite', () => {
    expect(scoreFor(1e308, -1e308, 1e-300)).toBe(DEGENERATE_SCORE);
    expect(Number.isFinite(modifiedZScore(1e308, -1e308, 1e-300))).toBe(true);
    fc.assert(
      fc.property(
        finite,
        finite,
        fc.double({ noNaN: true, min: 0 }),
        fc.double({ noNaN: true, min: 0 }),
        (x, m, d, a) => {
          const z = modifiedZScore(x, m, d, a);
          expect(Number.isFinite(z)).toBe(true);
          expect(Math.abs(z)).toBeLessThanOrEqual(DEGENERATE_SCORE);
        },
      ),
    );
  });
});

describe('robustScale and acceptedRange', () => {
  it('uses MAD/0.6745, then 1.253314·meanAD, then no spread', () => {
    expect(robustScale([1, 2, 3, 4, 100])).toMatchObject({
      median: 3,
      mad: 1,
      method: 'mad',
      scale: 1 / MAD_CONSISTENCY,
    });
    expect(robustScale([5, 5, 5, 9])).toMatchObject({ median: 5, mad: 0, meanAd: 1, method: 'mean-ad' });
    expect(robustScale([5, 5, 5, 9]).scale).toBeCloseTo(MEAN_AD_CONSISTENCY, 12);
    expect(robustScale([2, 2, 2])).toEqual({ median: 2, mad: 0, meanAd: 0, scale: 0, method: 'none' });
    expect(acceptedRange(robustScale([2, 2, 2]), 3.5)).toEqual({ lower: 2, upper: 2 });
    const r = acceptedRange(robustScale([1, 2, 3, 4, 100]), 3.5);
    expect(r.lower).toBeCloseTo(3 - 3.5 / 0.6745, 12);
    expect(r.upper).toBeCloseTo(3 + 3.5 / 0.6745, 12);
  });

  it('the bounds are exactly where |score| reaches the threshold (up to rounding)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 20 }), (xs) => {
        const s = robustScale(xs);
        fc.pre(s.scale > 0);
        const { upper, lower } = acceptedRange(s, 3.5);
        expect(scoreFor(upper, s.median, s.scale)).toBeCloseTo(3.5, 9);
        expect(scoreFor(lower, s.median, s.scale)).toBeCloseTo(-3.5, 9);
      }),
    );
  });
});

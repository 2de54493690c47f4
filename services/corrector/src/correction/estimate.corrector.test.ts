import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptedRange, DEGENERATE_SCORE, mad, median, robustScale } from './correction.statistics';
import {
  type CorrectionResult,
  type CurrentEstimate,
  EstimateCorrector,
  type HistoricalEstimate,
} from './estimate.corrector';

function hist(
  entity: string,
  metric: string,
  values: Array<[generation: number, value: number]>,
): HistoricalEstimate[] {
  return values.map(([generation, value]) => ({ generation, entity, metric, value }));
}

const steady: Array<[number, number]> = [
  [3, 10],
  [4, 10.4],
  [5, 10.8],
  [6, 10.2],
  [7, 11],
];

describe('EstimateCorrector', () => {
  const corrector = new EstimateCorrector();

  it('has the documented defaults and validates its options', () => {
    expect(corrector.options).toEqual({ threshold: 3.5, minHistory: 3, maxHistory: 10 });
    expect(() => new EstimateCorrector({ threshold: 0 })).toThrow(RangeError);
    expect(() => new EstimateCorrector({ threshold: Number.NaN })).toThrow(RangeError);
    expect(() => new EstimateCorrector({ minHistory: 0 })).toThrow(RangeError);
    expect(() => new EstimateCorrector({ minHistory: 1.5 })).toThrow(RangeError);
    expect(() => new EstimateCorrector({ minHistory: 5, maxHistory: 4 })).toThrow(RangeError);
  });

  it('clamps an outlier above the median to the upper bound and explains why', () => {
    const r = corrector.correct([{ estimateId: 1, entity: 'e', metric: 'm', value: 130.2 }], hist('e', 'm', steady));
    const values = steady.map(([, v]) => v);
    const m = median(values); // 10.4
    const d = mad(values); // 0.4
    const upper = m + (3.5 * d) / 0.6745;
    expect(r.corrected).toEqual([
      { estimateId: 1, entity: 'e', metric: 'm', value: upper, originalValue: 130.2, corrected: true, correctionId: 1 },
    ]);
    const score = (0.6745 * (130.2 - m)) / d;
    expect(r.corrections).toHaveLength(1);
    expect(r.corrections[0]).toEqual({
      correctionId: 1,
      entity: 'e',
      metric: 'm',
      originalValue: 130.2,
      correctedValue: upper,
      method: 'modified-z-score',
      reason: `value 130.2 is ${score.toFixed(1)} robust standard deviations above the median 10.4 of generations 3-7 (threshold 3.5); clamped to ${Number(upper.toPrecision(6))}`,
      score: expect.closeTo(score, 9),
      median: m,
      mad: d,
      historyCount: 5,
      generationsUsed: [3, 4, 5, 6, 7],
    });
    expect(r.corrections[0].reason).toBe(
      'value 130.2 is 202.0 robust standard deviations above the median 10.4 of generations 3-7 (threshold 3.5); clamped to 12.4756',
    );
  });

  it('clamps an outlier below the median to the lower bound', () => {
    const r = corrector.correct([{ estimateId: 9, entity: 'e', metric: 'm', value: -50 }], hist('e', 'm', steady));
    const { lower } = acceptedRange(robustScale(steady.map(([, v]) => v)), 3.5);
    expect(r.corrected[0].value).toBe(lower);
    expect(r.corrections[0].score).toBeLessThan(-3.5);
    expect(r.corrections[0].reason).toMatch(/robust standard deviations below the median 10\.4 of generations 3-7/);
  });

  it('leaves values within the threshold alone', () => {
    const r = corrector.correct([{ estimateId: 1, entity: 'e', metric: 'm', value: 11.5 }], hist('e', 'm', steady));
    expect(r.corrections).toEqual([]);
    expect(r.corrected).toEqual([
      {
        estimateId: 1,
        entity: 'e',
        metric: 'm',
        value: 11.5,
        originalValue: 11.5,
        corrected: false,
        correctionId: null,
      },
    ]);
  });

  it('needs minHistory values, and uses only the most recent maxHistory generations that have one', () => {
    const short = corrector.correct(
      [{ estimateId: 1, entity: 'e', metric: 'm', value: 1e6 }],
      hist('e', 'm', [
        [1, 10],
        [2, 10],
      ]),
    );
    expect(short.corrections).toEqual([]);

    const c = new EstimateCorrector({ maxHistory: 4, minHistory: 3 });
    const long = hist('e', 'm', [
      [1, 1000], // too old: ignored
      [2, 1000],
      [3, 1000],
      [5, 10],
      [8, 11],
      [9, 12],
      [12, 13],
    ]);
    const r = c.correct([{ estimateId: 1, entity: 'e', metric: 'm', value: 500 }], long);
    expect(r.corrections[0].generationsUsed).toEqual([5, 8, 9, 12]);
    expect(r.corrections[0].median).toBe(11.5);
    expect(r.corrections[0].reason).toContain('of generations 5, 8-9, 12');
  });

  it('counts several values of one generation once, as their median, and skips non-finite history', () => {
    const r = corrector.correct(
      [{ estimateId: 1, entity: 'e', metric: 'm', value: 99 }],
      [
        ...hist('e', 'm', [
          [1, 10],
          [2, 11],
          [2, 13],
          [2, 1e6],
          [3, 12],
          [4, Number.NaN],
          [5, Number.POSITIVE_INFINITY],
        ]),
        { generation: Number.NaN, entity: 'e', metric: 'm', value: 1 },
      ],
    );
    expect(r.corrections[0].generationsUsed).toEqual([1, 2, 3]);
    expect(r.corrections[0].historyCount).toBe(3);
    expect(r.corrections[0].median).toBe(12);
  });

  it('never judges a non-finite current value', () => {
    const r = corrector.correct(
      [
        { estimateId: 1, entity: 'e', metric: 'm', value: Number.NaN },
        { estimateId: 2, entity: 'e', metric: 'm', value: Number.NEGATIVE_INFINITY },
      ],
      hist('e', 'm', steady),
    );
    expect(r.corrections).toEqual([]);
    expect(r.corrected.map((e) => e.corrected)).toEqual([false, false]);
  });

  it('falls back to the mean absolute deviation when MAD is 0', () => {
    const history = hist('e', 'm', [
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 9],
    ]);
    const r = corrector.correct([{ estimateId: 1, entity: 'e', metric: 'm', value: 20 }], history);
    // meanAD = 1, scale = 1.253314, upper = 5 + 3.5·1.253314
    expect(r.corrections[0].correctedValue).toBeCloseTo(5 + 3.5 * 1.253314, 12);
    expect(r.corrections[0].mad).toBe(0);
    expect(r.corrections[0].score).toBeCloseTo(15 / 1.253314, 9);
    expect(r.corrections[0].reason).toContain('(MAD is 0: spread from the mean absolute deviation)');
    const within = corrector.correct([{ estimateId: 1, entity: 'e', metric: 'm', value: 9 }], history);
    expect(within.corrections).toEqual([]);
  });

  it('with a history without any spread, any different value is an outlier replaced by the common value', () => {
    const history = hist('e', 'm', [
      [1, 7],
      [2, 7],
      [3, 7],
    ]);
    const r = corrector.correct(
      [
        { estimateId: 1, entity: 'e', metric: 'm', value: 7.000001 },
        { estimateId: 2, entity: 'e', metric: 'm', value: 7 },
        { estimateId: 3, entity: 'e', metric: 'm', value: -3 },
      ],
      history,
    );
    expect(r.corrected.map((e) => [e.value, e.corrected])).toEqual([
      [7, true],
      [7, false],
      [7, true],
    ]);
    expect(r.corrections.map((c) => c.score)).toEqual([DEGENERATE_SCORE, -DEGENERATE_SCORE]);
    expect(r.corrections[0].reason).toBe(
      'value 7 differs from the value 7 shared by all 3 values of generations 1-3, which have no spread; replaced by 7',
    );
    expect(r.corrections[1].reason).toBe(
      'value -3 differs from the value 7 shared by all 3 values of generations 1-3, which have no spread; replaced by 7',
    );
  });

  it('orders the output by (entity, metric) and numbers corrections 1..n in that order', () => {
    const history = [
      ...hist('b', 'x', steady),
      ...hist('a', 'y', steady),
      ...hist('a', 'x', steady),
      ...hist('B', 'x', steady),
    ];
    const r = corrector.correct(
      [
        { estimateId: 4, entity: 'b', metric: 'x', value: 500 },
        { estimateId: 3, entity: 'a', metric: 'y', value: 500 },
        { estimateId: 2, entity: 'a', metric: 'x', value: 10.5 },
        { estimateId: 1, entity: 'B', metric: 'x', value: -500 },
        { estimateId: 5, entity: 'c', metric: 'x', value: 1e9 }, // no history
      ],
      history,
    );
    expect(r.corrected.map((e) => `${e.entity}/${e.metric}:${e.correctionId}`)).toEqual([
      'B/x:1',
      'a/x:null',
      'a/y:2',
      'b/x:3',
      'c/x:null',
    ]);
    expect(r.corrections.map((c) => [c.correctionId, c.entity, c.metric])).toEqual([
      [1, 'B', 'x'],
      [2, 'a', 'y'],
      [3, 'b', 'x'],
    ]);
  });

  it('does not modify its inputs', () => {
    const current = [{ estimateId: 1, entity: 'e', metric: 'm', value: 130 }];
    const history = hist('e', 'm', steady);
    const snapshot = JSON.stringify([current, history]);
    corrector.correct(current, history);
    expect(JSON.stringify([current, history])).toBe(snapshot);
  });
});

describe('EstimateCorrector: properties', () => {
  const entities = ['a', 'b', 'c'];
  const metrics = ['m', 'n'];
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: 90, max: 110 }) },
    { weight: 2, arbitrary: fc.integer({ min: 95, max: 105 }) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }) },
    { weight: 1, arbitrary: fc.constant(100) },
  );
  const historyArb = fc.array(
    fc.record({
      generation: fc.integer({ min: 1, max: 15 }),
      entity: fc.constantFrom(...entities),
      metric: fc.constantFrom(...metrics),
      value,
    }),
    { maxLength: 80 },
  );
  const currentArb = fc
    .uniqueArray(fc.record({ entity: fc.constantFrom(...entities), metric: fc.constantFrom(...metrics), value }), {
      selector: (e) => `${e.entity}/${e.metric}`,
      minLength: 1,
    })
    .map((xs) => xs.map((x, k) => ({ estimateId: 100 + k, ...x })));
  const optionsArb = fc.record({
    threshold: fc.constantFrom(1, 2.5, 3.5, 5),
    minHistory: fc.integer({ min: 1, max: 5 }),
    maxHistory: fc.integer({ min: 5, max: 12 }),
  });

  /** The history the corrector should use for one key, recomputed independently. */
  function historyOf(history: HistoricalEstimate[], e: CurrentEstimate, maxHistory: number): number[] {
    const byGen = new Map<number, number[]>();
    for (const h of history) {
      if (h.entity === e.entity && h.metric === e.metric)
        byGen.set(h.generation, [...(byGen.get(h.generation) ?? []), h.value]);
    }
    return [...byGen.keys()]
      .sort((a, b) => b - a)
      .slice(0, maxHistory)
      .map((g) => median(byGen.get(g)!));
  }

  it('a corrected value lies within median ± bound, on the side of the original; values within are untouched', () => {
    fc.assert(
      fc.property(optionsArb, currentArb, historyArb, (options, current, history) => {
        const c = new EstimateCorrector(options);
        const r = c.correct(current, history);
        for (const out of r.corrected) {
          const values = historyOf(history, out, options.maxHistory);
          if (values.length < options.minHistory) {
            expect(out.corrected).toBe(false);
            continue;
          }
          const s = robustScale(values);
          const { lower, upper } = acceptedRange(s, options.threshold);
          expect(out.value).toBeGreaterThanOrEqual(lower);
          expect(out.value).toBeLessThanOrEqual(upper);
          expect((out.value - s.median) * (out.originalValue - s.median)).toBeGreaterThanOrEqual(0);
          if (out.originalValue >= lower && out.originalValue <= upper) {
            expect(out.corrected).toBe(false);
            expect(out.value).toBe(out.originalValue);
          } else {
            expect(out.corrected).toBe(true);
            expect(Math.abs(out.value - s.median)).toBeLessThan(Math.abs(out.originalValue - s.median));
          }
        }
        for (const corr of r.corrections) {
          expect(Math.abs(corr.score)).toBeGreaterThan(options.threshold * (1 - 1e-12));
          expect(Number.isFinite(corr.score)).toBe(true);
          expect(corr.historyCount).toBeGreaterThanOrEqual(options.minHistory);
          expect(corr.historyCount).toBeLessThanOrEqual(options.maxHistory);
          expect(corr.generationsUsed).toEqual([...corr.generationsUsed].sort((a, b) => a - b));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: correcting the corrected values again changes nothing', () => {
    fc.assert(
      fc.property(optionsArb, currentArb, historyArb, (options, current, history) => {
        const c = new EstimateCorrector(options);
        const first = c.correct(current, history);
        const again = c.correct(
          first.corrected.map((e) => ({
            estimateId: e.estimateId,
            entity: e.entity,
            metric: e.metric,
            value: e.value,
          })),
          history,
        );
        expect(again.corrections).toEqual([]);
        expect(again.corrected.map((e) => e.value)).toEqual(first.corrected.map((e) => e.value));
      }),
      { numRuns: 500 },
    );
  });

  it('never corrects with fewer than minHistory history values', () => {
    fc.assert(
      fc.property(
        currentArb,
        fc.integer({ min: 2, max: 6 }),
        fc.array(value, { maxLength: 5 }),
        (current, minHistory, vs) => {
          fc.pre(vs.length < minHistory);
          const history = current.flatMap((e) =>
            vs.map((v, g) => ({ generation: g + 1, entity: e.entity, metric: e.metric, value: v })),
          );
          const r = new EstimateCorrector({ minHistory, maxHistory: 10 }).correct(
            current.map((e) => ({ ...e, value: e.value * 1e6 + 1e9 })),
            history,
          );
          expect(r.corrections).toEqual([]);
          expect(r.corrected.every((e) => !e.corrected && e.value === e.originalValue)).toBe(true);
        },
      ),
    );
  });

  it('is deterministic and independent of the order of its inputs', () => {
    fc.assert(
      fc.property(
        optionsArb,
        currentArb,
        historyArb,
        fc.infiniteStream(fc.nat()),
        (options, current, history, seeds) => {
          const c = new EstimateCorrector(options);
          const shuffle = <T>(xs: T[]): T[] => {
            const out = [...xs];
            for (let i = out.length - 1; i > 0; i--) {
              const j = seeds.next().value % (i + 1);
              [out[i], out[j]] = [out[j], out[i]];
            }
            return out;
          };
          const a: CorrectionResult = c.correct(current, history);
          const b = new EstimateCorrector(options).correct(shuffle(current), shuffle(history));
          expect(b).toEqual(a);
          expect(JSON.stringify(c.correct(current, history))).toBe(JSON.stringify(a));
        },
      ),
      { numRuns: 300 },
    );
  });
});

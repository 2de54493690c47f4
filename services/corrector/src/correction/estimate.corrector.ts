import {
  acceptedRange,
  DEFAULT_THRESHOLD,
  median as medianOf,
  type RobustScale,
  robustScale,
  scoreFor,
} from './correction.statistics';

export interface EstimateCorrectorOptions {
  /** |modified z-score| above which a value is an outlier (default 3.5, Iglewicz & Hoaglin). */
  threshold: number;
  /** Fewest history values (generations) needed to judge a value at all (default 3). */
  minHistory: number;
  /** Most recent generations with a value that are taken into account (default 10). */
  maxHistory: number;
}

export interface CurrentEstimate {
  estimateId: number;
  entity: string;
  metric: string;
  value: number;
}

export interface HistoricalEstimate {
  generation: number;
  entity: string;
  metric: string;
  value: number;
}

export interface CorrectedEstimate {
  estimateId: number;
  entity: string;
  metric: string;
  /** The value to publish: the original one, or the corrected one. */
  value: number;
  originalValue: number;
  corrected: boolean;
  correctionId: number | null;
}

export interface Correction {
  /** 1..n in the order of (entity, metric). */
  correctionId: number;
  entity: string;
  metric: string;
  originalValue: number;
  correctedValue: number;
  method: 'modified-z-score';
  /** A readable sentence with the numbers. */
  reason: string;
  /** Signed modified z-score of the original value (finite; ±1e9 when the history has no spread). */
  score: number;
  median: number;
  /** Unscaled median absolute deviation of the history. */
  mad: number;
  historyCount: number;
  /** Generations whose values formed the history, ascending. */
  generationsUsed: number[];
}

export interface CorrectionResult {
  /** Every current estimate, ordered by (entity, metric, estimateId). */
  corrected: CorrectedEstimate[];
  /** One entry per corrected estimate, same order. */
  corrections: Correction[];
}

interface History {
  values: number[];
  generations: number[];
  stats: RobustScale;
  lower: number;
  upper: number;
}

export const DEFAULT_CORRECTOR_OPTIONS: Readonly<EstimateCorrectorOptions> = {
  threshold: DEFAULT_THRESHOLD,
  minHistory: 3,
  maxHistory: 10,
};

/**
 * Flags and corrects outlying estimates of a new generation against the previous generations of the same dataset,
 * per (entity, metric), with the modified z-score (see correction.statistics.ts and docs/correction.md).
 *
 * For each current estimate: take the values of the same (entity, metric) in the most recent `maxHistory`
 * generations that have one (several values in one generation count once, as their median; non-finite values are
 * ignored). With fewer than `minHistory` values, leave it alone. Otherwise it is an outlier when it lies outside
 * median ± threshold·scale, and is then winsorized: clamped to the nearer bound, so it stays on its side of the median
 * and a second pass leaves it unchanged. Pure and deterministic: the result does not depend on the order of the inputs.
 */
export class EstimateCorrector {
  readonly options: Readonly<EstimateCorrectorOptions>;

  constructor(options: Partial<EstimateCorrectorOptions> = {}) {
    const o = { ...DEFAULT_CORRECTOR_OPTIONS, ...options };
    if (!(Number.isFinite(o.threshold) && o.threshold > 0)) {
      throw new RangeError(`threshold must be a positive number, got ${o.threshold}`);
    }
    if (!(Number.isInteger(o.minHistory) && o.minHistory >= 1)) {
      throw new RangeError(`minHistory must be an integer ≥ 1, got ${o.minHistory}`);
    }
    if (!(Number.isInteger(o.maxHistory) && o.maxHistory >= o.minHistory)) {
      throw new RangeError(`maxHistory must be an integer ≥ minHistory (${o.minHistory}), got ${o.maxHistory}`);
    }
    this.options = Object.freeze(o);
  }

  correct(current: readonly CurrentEstimate[], history: readonly HistoricalEstimate[]): CorrectionResult {
    const { threshold } = this.options;
    const byKey = groupHistory(history);
    const cache = new Map<Map<number, number[]>, History | null>();
    const ordered = [...current].sort(
      (a, b) => compare(a.entity, b.entity) || compare(a.metric, b.metric) || compare(a.estimateId, b.estimateId),
    );
    const corrected: CorrectedEstimate[] = [];
    const corrections: Correction[] = [];
    for (const e of ordered) {
      const out: CorrectedEstimate = {
        estimateId: e.estimateId,
        entity: e.entity,
        metric: e.metric,
        value: e.value,
        originalValue: e.value,
        corrected: false,
        correctionId: null,
      };
      corrected.push(out);
      if (!Number.isFinite(e.value)) continue; // validated upstream; never judged, never a crash
      const perGeneration = byKey.get(e.entity)?.get(e.metric);
      if (!perGeneration) continue;
      let h = cache.get(perGeneration);
      if (h === undefined) {
        h = this.summarize(perGeneration);
        cache.set(perGeneration, h);
      }
      if (h === null) continue;
      const x = e.value;
      const fixed = Math.min(Math.max(x, h.lower), h.upper); // winsorize: clamp to the nearer bound
      if (fixed === x) continue;
      const correctionId = corrections.length + 1;
      out.value = fixed;
      out.corrected = true;
      out.correctionId = correctionId;
      const score = scoreFor(x, h.stats.median, h.stats.scale);
      corrections.push({
        correctionId,
        entity: e.entity,
        metric: e.metric,
        originalValue: x,
        correctedValue: fixed,
        method: 'modified-z-score',
        reason: explain(x, fixed, score, h, threshold),
        score,
        median: h.stats.median,
        mad: h.stats.mad,
        historyCount: h.values.length,
        generationsUsed: h.generations,
      });
    }
    return { corrected, corrections };
  }

  /** The usable history of one (entity, metric), or null when it is too short. */
  private summarize(perGeneration: Map<number, number[]>): History | null {
    const { minHistory, maxHistory, threshold } = this.options;
    if (perGeneration.size < minHistory) return null;
    const generations = [...perGeneration.keys()].sort((a, b) => b - a).slice(0, maxHistory);
    generations.reverse();
    const values = generations.map((g) => {
      const vs = perGeneration.get(g)!;
      return vs.length === 1 ? vs[0] : medianOf(vs);
    });
    const stats = robustScale(values);
    const { lower, upper } = acceptedRange(stats, threshold);
    return { values, generations, stats, lower, upper };
  }
}

/** entity → metric → generation → finite values. */
function groupHistory(history: readonly HistoricalEstimate[]): Map<string, Map<string, Map<number, number[]>>> {
  const byEntity = new Map<string, Map<string, Map<number, number[]>>>();
  for (const h of history) {
    if (!Number.isFinite(h.value) || !Number.isFinite(h.generation)) continue;
    let byMetric = byEntity.get(h.entity);
    if (!byMetric) {
      byMetric = new Map();
      byEntity.set(h.entity, byMetric);
    }
    let byGeneration = byMetric.get(h.metric);
    if (!byGeneration) {
      byGeneration = new Map();
      byMetric.set(h.metric, byGeneration);
    }
    const values = byGeneration.get(h.generation);
    if (values) values.push(h.value);
    else byGeneration.set(h.generation, [h.value]);
  }
  return byEntity;
}

function explain(x: number, fixed: number, score: number, h: History, threshold: number): string {
  const gens = `generation${h.generations.length > 1 ? 's' : ''} ${ranges(h.generations)}`;
  const m = h.stats.median;
  if (h.stats.method === 'none') {
    return (
      `value ${fmt(x)} differs from the value ${fmt(m)} shared by all ${h.values.length} values of ${gens}, ` +
      `which have no spread; replaced by ${fmt(fixed)}`
    );
  }
  const direction = x > m ? 'above' : 'below';
  const fallback = h.stats.method === 'mean-ad' ? ' (MAD is 0: spread from the mean absolute deviation)' : '';
  return (
    `value ${fmt(x)} is ${Math.abs(score).toFixed(1)} robust standard deviations ${direction} the median ${fmt(m)} ` +
    `of ${gens}${fallback} (threshold ${threshold}); clamped to ${fmt(fixed)}`
  );
}

/** 6 significant digits, no trailing zeros: 14.93451234 → "14.9345", 1200000 → "1200000", 1e-7 → "1e-7". */
function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Ascending generation numbers as ranges: [3,4,5,7] → "3-5, 7". */
function ranges(gs: readonly number[]): string {
  const parts: string[] = [];
  let k = 0;
  while (k < gs.length) {
    let j = k;
    while (j + 1 < gs.length && gs[j + 1] === gs[j] + 1) j++;
    parts.push(j > k ? `${gs[k]}-${gs[j]}` : `${gs[k]}`);
    k = j + 1;
  }
  return parts.join(', ');
}

/** Plain (code-unit) order: deterministic, independent of the locale. */
function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

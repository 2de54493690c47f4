/**
 * Robust statistics for the correction of estimates (the "documented robust statistics" of the product).
 *
 * Method: the modified z-score of Iglewicz & Hoaglin (1993, "How to Detect and Handle Outliers", ASQC Basic
 * References in Quality Control, vol. 16).
 *
 *   score(x) = 0.6745 · (x − median) / MAD,        MAD = median(|xᵢ − median|)
 *
 * Why the median and the MAD: the history of an (entity, metric) is short (a handful of generations) and may itself
 * contain an earlier outlier. The mean and the standard deviation are dragged by a single extreme value (breakdown
 * point 0 %); the median and the MAD tolerate up to half of the values being wrong (breakdown point 50 %), so one bad
 * generation cannot hide the next one.
 *
 * Why 0.6745: it is Φ⁻¹(0.75), the third quartile of the standard normal distribution. For normally distributed data
 * E[MAD] ≈ 0.6745·σ, so MAD / 0.6745 (≈ 1.4826·MAD) estimates the standard deviation σ and the score reads as "how many
 * standard deviations from the centre", comparable with a classic z-score.
 *
 * Why 3.5: Iglewicz & Hoaglin recommend labelling as potential outliers the values whose modified z-score exceeds 3.5
 * in absolute value; for normal data that flags about 1 value in 2,000 (two-sided normal tail beyond 3.5σ ≈ 0.047 %),
 * so false corrections are rare. It is the default `threshold`.
 *
 * Fallback when MAD = 0 (more than half of the history holds the same value): the MAD carries no scale. We then use
 * the mean absolute deviation around the median, meanAD = mean(|xᵢ − median|), scaled by √(π/2) ≈ 1.253314 — for
 * normal data E[meanAD] = σ·√(2/π), so 1.253314·meanAD also estimates σ (the convention of IBM SPSS and of most
 * implementations of the modified z-score):
 *
 *   score(x) = (x − median) / (1.253314 · meanAD)
 *
 * Degenerate case, MAD = 0 and meanAD = 0 (every value of the history is identical): there is no spread at all, so
 * any value different from that common value is, by definition, infinitely many standard deviations away. Such a value
 * is an outlier whatever the threshold, and its score is the documented sentinel ±DEGENERATE_SCORE (1e9) rather than
 * ±Infinity (which JSON, Parquet statistics and most dashboards cannot carry) or Number.MAX_VALUE (which overflows to
 * Infinity as soon as anyone multiplies or adds to it). Any |score| ≥ 1e9 must be read as "the history had no spread".
 * The same sentinel bounds every score, so scores are always finite.
 *
 * Scale and bounds: `robustScale` returns the estimate of σ used (MAD/0.6745, or 1.253314·meanAD, or 0). A value is an
 * outlier when it lies outside [median − threshold·scale, median + threshold·scale] — equivalent to |score| >
 * threshold, but decided against the very bounds a correction clamps to, so that a corrected value (exactly on a
 * bound) is never an outlier again, whatever the floating-point rounding.
 */

/** Φ⁻¹(0.75): MAD / MAD_CONSISTENCY estimates σ for normal data. */
export const MAD_CONSISTENCY = 0.6745;
/** √(π/2): MEAN_AD_CONSISTENCY · meanAD estimates σ for normal data. */
export const MEAN_AD_CONSISTENCY = 1.253314;
/** Iglewicz & Hoaglin's recommended cut-off for |modified z-score|. */
export const DEFAULT_THRESHOLD = 3.5;
/** Score magnitude reported when the history has no spread at all (and the upper bound of every |score|). */
export const DEGENERATE_SCORE = 1e9;

/** Median of `xs` (average of the two middle values for an even count); NaN when empty. Does not modify `xs`. */
export function median(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : midpoint(sorted[mid - 1], sorted[mid]);
}

/** Median absolute deviation around the median, unscaled: median(|xᵢ − median(xs)|); NaN when empty. */
export function mad(xs: readonly number[], center: number = median(xs)): number {
  if (xs.length === 0) return Number.NaN;
  return median(xs.map((x) => Math.abs(x - center)));
}

/** Mean absolute deviation around the median, unscaled: mean(|xᵢ − median(xs)|); NaN when empty. */
export function meanAD(xs: readonly number[], center: number = median(xs)): number {
  if (xs.length === 0) return Number.NaN;
  let sum = 0;
  for (const x of xs) sum += Math.abs(x - center) / xs.length; // divided term by term: no overflow
  return sum;
}

/**
 * Modified z-score of `x`: 0.6745·(x − median)/MAD; when MAD = 0, (x − median)/(1.253314·meanAD) if `meanAd` is given
 * and positive; when there is no spread at all, 0 for x = median and ±DEGENERATE_SCORE otherwise. Always finite,
 * clamped to ±DEGENERATE_SCORE.
 */
export function modifiedZScore(x: number, median: number, mad: number, meanAd = 0): number {
  return scoreFor(x, median, mad > 0 ? mad / MAD_CONSISTENCY : meanAd > 0 ? MEAN_AD_CONSISTENCY * meanAd : 0);
}

export interface RobustScale {
  median: number;
  /** Unscaled median absolute deviation. */
  mad: number;
  /** Unscaled mean absolute deviation around the median. */
  meanAd: number;
  /** Estimate of the standard deviation: MAD/0.6745, else 1.253314·meanAD, else 0. */
  scale: number;
  method: 'mad' | 'mean-ad' | 'none';
}

/** Centre and spread of a sample, with the fallbacks described at the top of this file. `xs` must not be empty. */
export function robustScale(xs: readonly number[]): RobustScale {
  const m = median(xs);
  const d = mad(xs, m);
  const a = meanAD(xs, m);
  if (d > 0) return { median: m, mad: d, meanAd: a, scale: d / MAD_CONSISTENCY, method: 'mad' };
  if (a > 0) return { median: m, mad: d, meanAd: a, scale: MEAN_AD_CONSISTENCY * a, method: 'mean-ad' };
  return { median: m, mad: d, meanAd: a, scale: 0, method: 'none' };
}

/** (x − median) / scale, finite: ±DEGENERATE_SCORE when scale is 0 (or the quotient overflows). */
export function scoreFor(x: number, median: number, scale: number): number {
  if (x === median) return 0;
  if (!(scale > 0)) return x > median ? DEGENERATE_SCORE : -DEGENERATE_SCORE;
  const z = (x - median) / scale;
  if (Number.isNaN(z)) return 0;
  return Math.max(-DEGENERATE_SCORE, Math.min(DEGENERATE_SCORE, z));
}

/** The interval of accepted values: median ± threshold·scale (a single point when the history has no spread). */
export function acceptedRange(s: RobustScale, threshold: number): { lower: number; upper: number } {
  const half = threshold * s.scale;
  return { lower: s.median - half, upper: s.median + half };
}

/** (a + b) / 2, which always lies in [a, b]; halves first when the sum would overflow. */
function midpoint(a: number, b: number): number {
  const sum = a + b;
  return Number.isFinite(sum) ? sum / 2 : a / 2 + b / 2;
}

/** One entity/metric's estimate across a dataset's generations, and where to draw it. */

export type SeriesPoint = { generation: number; value: number; corrected: boolean; original?: number };

type CorrectedRow = { value?: unknown; original_value?: unknown; corrected?: unknown };

/** The point of one generation from its corrected_estimates rows for the entity and metric (the first is used). */
export function pointOf(generation: number, rows: CorrectedRow[]): SeriesPoint | undefined {
  const row = rows[0];
  if (!row || typeof row.value !== 'number') return undefined;
  return {
    generation,
    value: row.value,
    corrected: row.corrected === true,
    original: typeof row.original_value === 'number' ? row.original_value : undefined,
  };
}

/** y of the value, and for a corrected point yOriginal of the processed value it replaced. */
export type Plot = { x: number; y: number; yOriginal?: number; point: SeriesPoint }[];

/** Scales the points into a width × height box with a margin, oldest generation on the left. */
export function plot(points: SeriesPoint[], width: number, height: number, margin = 24): Plot {
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => a.generation - b.generation);
  const values = sorted.flatMap((p) => (p.original === undefined ? [p.value] : [p.value, p.original]));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const step = sorted.length > 1 ? (width - 2 * margin) / (sorted.length - 1) : 0;
  const yOf = (value: number) => Math.round(height - margin - ((value - lo) / span) * (height - 2 * margin));
  return sorted.map((point, i) => ({
    x: Math.round(margin + (sorted.length > 1 ? i * step : (width - 2 * margin) / 2)),
    y: yOf(point.value),
    yOriginal: point.corrected && point.original !== undefined ? yOf(point.original) : undefined,
    point,
  }));
}

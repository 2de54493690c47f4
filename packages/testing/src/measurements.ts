/** Deterministic sample measurements for tests, the demo and the benchmarks. */

export interface Measurement {
  entity: string;
  ts: string;
  metric: string;
  value: number;
  tags?: Record<string, string>;
}

export interface MeasurementOptions {
  count: number;
  entities?: number;
  metrics?: string[];
  /** First timestamp; records are spaced `stepSeconds` apart per series. */
  start?: string;
  stepSeconds?: number;
  /** Seed of the pseudo-random noise, so that the same options give the same records. */
  seed?: number;
  /** Added to every value (to make a whole batch an outlier against earlier generations). */
  shift?: number;
}

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* measurements(options: MeasurementOptions): Generator<Measurement> {
  const entities = options.entities ?? 10;
  const metrics = options.metrics ?? ['temperature', 'pressure', 'humidity'];
  const start = Date.parse(options.start ?? '2026-11-01T00:00:00Z');
  const step = (options.stepSeconds ?? 60) * 1000;
  const random = prng(options.seed ?? 1);
  const series = entities * metrics.length;
  for (let i = 0; i < options.count; i++) {
    const s = i % series;
    const entity = `sensor-${String(s % entities).padStart(4, '0')}`;
    const metric = metrics[Math.floor(s / entities) % metrics.length];
    const base = 10 * (1 + (s % 7)) + (metric.length % 5);
    const value = Math.round((base + (random() - 0.5) * 2 + (options.shift ?? 0)) * 1000) / 1000;
    const ts = new Date(start + Math.floor(i / series) * step).toISOString();
    yield i % 5 === 0 ? { entity, ts, metric, value, tags: { site: `site-${s % 3}` } } : { entity, ts, metric, value };
  }
}

export function toNdjson(records: Iterable<Measurement>): string {
  let out = '';
  for (const r of records) out += `${JSON.stringify(r)}\n`;
  return out;
}

export function toCsv(records: Iterable<Measurement>): string {
  const lines = ['entity,ts,metric,value,tags'];
  for (const r of records) {
    const tags = r.tags ? `"${JSON.stringify(r.tags).replace(/"/g, '""')}"` : '';
    lines.push(`${r.entity},${r.ts},${r.metric},${r.value},${tags}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An NDJSON body produced chunk by chunk, for uploads far larger than what a test should hold. */
export async function* ndjsonChunks(options: MeasurementOptions, linesPerChunk = 5000): AsyncGenerator<Buffer> {
  let chunk = '';
  let n = 0;
  for (const r of measurements(options)) {
    chunk += `${JSON.stringify(r)}\n`;
    if (++n % linesPerChunk === 0) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk) yield Buffer.from(chunk);
}

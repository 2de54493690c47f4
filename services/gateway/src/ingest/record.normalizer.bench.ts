import { normalizeRecord } from './record.normalizer';

export interface NormalizerBenchmark {
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

/**
 * Throughput of `normalizeRecord` on one core over `n` realistic, pre-parsed records (a mix of timestamp forms,
 * untrimmed/upper-case metrics, 0-3 tags). Input generation and a warm-up pass are excluded from the timing.
 * Run it against compiled output, e.g.
 * `node -e "console.log(require('./dist/ingest/record.normalizer.bench').benchmarkNormalizer(2e6))"`.
 */
export function benchmarkNormalizer(n: number): NormalizerBenchmark {
  const inputs = makeInputs(Math.min(n, 100_000));
  let failures = 0;
  for (let k = 0; k < inputs.length; k++) if (!normalizeRecord(inputs[k], k).ok) failures++;
  if (failures > 0) throw new Error(`benchmark inputs are invalid (${failures})`);
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let k = 0; k < n; k++) {
    const r = normalizeRecord(inputs[k % inputs.length], k);
    if (r.ok) sink += r.record.value;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return { records: n, seconds, recordsPerSecond: Math.round(n / seconds) };
}

function makeInputs(count: number): unknown[] {
  const zones = ['Z', '+02:00', '-05:30', 'Z'];
  const out: unknown[] = [];
  for (let k = 0; k < count; k++) {
    const day = String(1 + (k % 28)).padStart(2, '0');
    const hour = String(k % 24).padStart(2, '0');
    const fraction = k % 3 === 0 ? '.123' : k % 3 === 1 ? '' : '.5';
    const tags: Record<string, string> = {};
    for (let t = 0; t < k % 4; t++) tags[`tag${3 - t}`] = `value-${k % 97}`;
    out.push({
      entity: k % 5 === 0 ? ` sensor-${k % 1000} ` : `sensor-${k % 1000}`,
      ts: `2026-01-${day}T${hour}:15:30${fraction}${zones[k % zones.length]}`,
      metric: k % 2 === 0 ? 'Temperature' : 'humidity',
      value: (k % 1000) / 7,
      ...(k % 4 === 0 ? {} : { tags }),
    });
  }
  return out;
}

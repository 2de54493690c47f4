import { writeFileSync } from 'node:fs';

export interface FixtureRecord {
  i: number;
  entity: string;
  ts: string;
  metric: string;
  value: number;
  tags?: Record<string, unknown>;
}

export interface FixtureBatch {
  records: FixtureRecord[];
  /** Normalized key of each record: `<entity>|<metric>|<epoch ms>`. */
  keyOf(record: FixtureRecord): string;
}

const BASE = Date.UTC(2026, 0, 1, 0, 0, 0);
const ENTITY_SPELLINGS: Record<string, string[]> = { e1: ['e1', ' e1'], e2: ['e2'], e3: ['e3 ', 'e3'] };
const METRIC_SPELLINGS: Record<string, string[]> = { temp: ['temp', 'Temp', ' TEMP '], humidity: ['humidity'] };

/**
 * A deterministic test batch: entities × metrics × `perSeries` records 37 s apart (spelled with varying
 * case and padding), interleaved, then every 50th record of each series resubmitted at the end with
 * another value (a duplicate whose later copy wins).
 */
export function makeBatch(perSeries = 500): FixtureBatch {
  const records: FixtureRecord[] = [];
  const repeats: Omit<FixtureRecord, 'i'>[] = [];
  const entities = Object.keys(ENTITY_SPELLINGS);
  const metrics = Object.keys(METRIC_SPELLINGS);
  for (let k = 0; k < perSeries; k++) {
    entities.forEach((entity, e) => {
      metrics.forEach((metric, m) => {
        const es = ENTITY_SPELLINGS[entity];
        const ms = METRIC_SPELLINGS[metric];
        const rec: Omit<FixtureRecord, 'i'> = {
          entity: es[k % es.length],
          ts: new Date(BASE + k * 37_000 + e * 1000 + m * 10).toISOString(),
          metric: ms[k % ms.length],
          value: Math.round((10 * (e + 1) + m + Math.sin(k / 7) * 3 + (k % 11) / 10) * 1000) / 1000,
        };
        if (k % 3 === 0) rec.tags = { site: `s${e}`, k };
        records.push({ i: records.length, ...rec });
        if (k % 50 === 0) repeats.push({ ...rec, value: rec.value + 100, tags: { resubmitted: true } });
      });
    });
  }
  for (const rec of repeats) records.push({ i: records.length, ...rec });
  return {
    records,
    keyOf: (r) => `${r.entity.trim()}|${r.metric.trim().toLowerCase()}|${Date.parse(r.ts)}`,
  };
}

export function writeNdjson(path: string, records: object[]): void {
  writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

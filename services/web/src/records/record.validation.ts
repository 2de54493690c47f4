/**
 * Per-cell validation of the records grid, read from the record contract (record.v1) so the limits are never
 * restated here: what passes this check is what the gateway accepts.
 */
import recordSchema from '@genlake/contracts/schemas/record.v1.schema.json';
import { strings } from '../strings';

export const recordColumns = ['entity', 'ts', 'metric', 'value', 'tags'] as const;
export type RecordColumn = (typeof recordColumns)[number];

/** One grid row as typed: every cell is text until it is valid. */
export type RecordDraft = Record<RecordColumn, string>;
export type CellErrors = Partial<Record<RecordColumn, string>>;

export type MeasurementRecord = {
  entity: string;
  ts: string;
  metric: string;
  value: number;
  tags?: Record<string, string>;
};

const props = recordSchema.properties;
const required = new Set<string>(recordSchema.required);
const tsPattern = new RegExp(props.ts.pattern);
const maxTags = props.tags.maxProperties;
const maxTagLength = props.tags.additionalProperties.maxLength;

export function emptyDraft(): RecordDraft {
  return { entity: '', ts: '', metric: '', value: '', tags: '' };
}

function lengthOf(text: string): number {
  // JSON Schema counts code points, not UTF-16 units.
  return [...text].length;
}

function checkText(column: 'entity' | 'metric', text: string): string | undefined {
  const { minLength, maxLength } = props[column];
  if (lengthOf(text) < minLength) return strings.record.required;
  if (lengthOf(text) > maxLength) return strings.record.tooLong(maxLength);
  return undefined;
}

function checkTs(text: string): string | undefined {
  if (text === '') return strings.record.required;
  if (!tsPattern.test(text) || Number.isNaN(Date.parse(text))) return strings.record.notTime;
  return undefined;
}

/** The number a value cell means, or undefined (JSON numbers only: no Infinity, NaN, hex or blanks). */
export function parseValue(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The tags a tags cell means (empty = none), or a reason. */
export function parseTags(text: string): Record<string, string> | undefined | { error: string } {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: strings.record.tagsNotObject };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: strings.record.tagsNotObject };
  }
  const entries = Object.entries(parsed);
  if (entries.some(([, v]) => typeof v !== 'string')) return { error: strings.record.tagsNotObject };
  if (entries.length > maxTags) return { error: strings.record.tooManyTags(maxTags) };
  if (entries.some(([, v]) => lengthOf(v as string) > maxTagLength)) {
    return { error: strings.record.tagTooLong(maxTagLength) };
  }
  return parsed as Record<string, string>;
}

export function validateDraft(draft: RecordDraft): CellErrors {
  const errors: CellErrors = {};
  const entity = checkText('entity', draft.entity);
  if (entity) errors.entity = entity;
  const ts = checkTs(draft.ts);
  if (ts) errors.ts = ts;
  const metric = checkText('metric', draft.metric);
  if (metric) errors.metric = metric;
  if (draft.value.trim() === '' && required.has('value')) errors.value = strings.record.required;
  else if (parseValue(draft.value) === undefined) errors.value = strings.record.notNumber;
  const tags = parseTags(draft.tags);
  if (tags && 'error' in tags) errors.tags = tags.error as string;
  return errors;
}

export function isBlank(draft: RecordDraft): boolean {
  return recordColumns.every((c) => draft[c].trim() === '');
}

/** The records of the grid (blank rows left out), or the errors of each row. */
export function draftsToRecords(
  drafts: RecordDraft[],
): { ok: true; records: MeasurementRecord[] } | { ok: false; errors: CellErrors[] } {
  const errors = drafts.map((d) => (isBlank(d) ? {} : validateDraft(d)));
  const filled = drafts.filter((d) => !isBlank(d));
  if (filled.length === 0) return { ok: false, errors: drafts.map(() => ({ entity: strings.record.required })) };
  if (errors.some((e) => Object.keys(e).length > 0)) return { ok: false, errors };
  const records = filled.map((d) => {
    const record: MeasurementRecord = { entity: d.entity, ts: d.ts, metric: d.metric, value: parseValue(d.value)! };
    const tags = parseTags(d.tags);
    if (tags && !('error' in tags)) record.tags = tags;
    return record;
  });
  return { ok: true, records };
}

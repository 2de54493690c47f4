import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMessageType } from './catalog';
import { parseSchemaName, SCHEMAS_DIR, schemaNames, validateAs, validateMessage } from './validator';

const EXAMPLES_DIR = join(SCHEMAS_DIR, '..', 'examples');

/** The error each invalid example must produce (among others), so an example cannot fail for the wrong reason. */
const EXPECTED_ERRORS: Record<string, string> = {
  'batch.accepted.v1/invalid/bad-dataset-name.json': '/data/dataset: must match pattern',
  'batch.accepted.v1/invalid/bad-uuid.json': '/id: must match format "uuid"',
  'batch.accepted.v1/invalid/complexity-too-high.json': '/data/options/complexity: must be <= 5',
  'batch.accepted.v1/invalid/extra-field.json': "/data: must NOT have additional properties ('priority')",
  'batch.accepted.v1/invalid/inline-payload-with-key.json':
    "/data/payload: must NOT have additional properties ('key')",
  'batch.accepted.v1/invalid/missing-batch-id.json': "/data: must have required property 'batchId'",
  'batch.accepted.v1/invalid/object-key-escapes-root.json': '/data/payload/key: must match pattern',
  'batch.accepted.v1/invalid/object-payload-without-sha256.json': "/data/payload: must have required property 'sha256'",
  'batch.accepted.v1/invalid/record-count-zero.json': '/data/recordCount: must be >= 1',
  'batch.accepted.v1/invalid/wrong-version.json': '/version: must be equal to constant: 1',
  'batch.completed.v1/invalid/completed-at-without-offset.json': '/data/completedAt: must match format "date-time"',
  'batch.completed.v1/invalid/empty-correlation-id.json': '/correlationId: must NOT have fewer than 1 characters',
  'batch.completed.v1/invalid/extra-envelope-field.json': "/: must NOT have additional properties ('source')",
  'batch.completed.v1/invalid/missing-corrected-generation-id.json':
    "/data: must have required property 'correctedGenerationId'",
  'batch.completed.v1/invalid/negative-corrections.json': '/data/corrections: must be >= 0',
  'batch.completed.v1/invalid/wrong-type.json': '/type: must be equal to constant: "batch.completed"',
  'user.registered.v1/invalid/email-without-at.json': '/data/email: must match format "email"',
  'user.registered.v1/invalid/extra-field.json': "/data: must NOT have additional properties ('password')",
  'user.registered.v1/invalid/link-not-http.json': '/data/confirmationUrl: must match format "uri"',
  'user.registered.v1/invalid/missing-expiry.json': "/data: must have required property 'confirmationExpiresAt'",
  'user.confirmation-requested.v1/invalid/missing-email.json': "/data: must have required property 'email'",
  'user.confirmation-requested.v1/invalid/registered-at.json':
    "/data: must NOT have additional properties ('registeredAt')",
  'user.confirmation-requested.v1/invalid/user-id-not-uuid.json': '/data/userId: must match format "uuid"',
  'user.registration-attempted.v1/invalid/missing-attempted-at.json':
    "/data: must have required property 'attemptedAt'",
  'user.registration-attempted.v1/invalid/with-confirmation-url.json':
    "/data: must NOT have additional properties ('confirmationUrl')",
  'generation.produced.v1/invalid/bad-partition-date.json': '/data/partitionDate: must match format "date"',
  'generation.produced.v1/invalid/bad-table-name.json': "/data/tables: property name 'Estimates-V2' must match pattern",
  'generation.produced.v1/invalid/missing-generation-id.json': "/data: must have required property 'generationId'",
  'generation.produced.v1/invalid/number-as-string.json': '/data/number: must be integer',
  'generation.produced.v1/invalid/number-zero.json': '/data/number: must be >= 1',
  'generation.produced.v1/invalid/table-rows-negative.json': '/data/tables/records/rows: must be >= 0',
  'generation.produced.v1/invalid/wrong-stage.json': '/data/stage: must be equal to constant: "processed"',
  'record.v1/invalid/bad-timestamp.json': '/ts: must match format "date-time"',
  'record.v1/invalid/empty-entity.json': '/entity: must NOT have fewer than 1 characters',
  'record.v1/invalid/extra-field.json': "/: must NOT have additional properties ('unit')",
  'record.v1/invalid/missing-metric.json': "/: must have required property 'metric'",
  'record.v1/invalid/non-string-tag.json': '/tags/floor: must be string',
  'record.v1/invalid/too-many-tags.json': '/tags: must NOT have more than 64 properties',
  'record.v1/invalid/value-as-string.json': '/value: must be number',
  'batch-request.v1/invalid/bad-record.json': "/records/1: must have required property 'value'",
  'batch-request.v1/invalid/dataset-with-uppercase.json': '/dataset: must match pattern',
  'batch-request.v1/invalid/missing-dataset.json': "/: must have required property 'dataset'",
  'batch-request.v1/invalid/no-records.json': '/records: must NOT have fewer than 1 items',
  'batch-request.v1/invalid/records-not-array.json': '/records: must be array',
  'batch-request.v1/invalid/unknown-option.json': "/options: must NOT have additional properties ('priority')",
};

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

function read(path: string): unknown {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, path), 'utf8'));
}

describe('examples', () => {
  it('exist for every schema, at least two valid and two invalid each', () => {
    expect(readdirSync(EXAMPLES_DIR).sort()).toEqual(schemaNames().sort());
    for (const name of schemaNames()) {
      expect(jsonFiles(join(EXAMPLES_DIR, name)).length, name).toBeGreaterThanOrEqual(2);
      expect(jsonFiles(join(EXAMPLES_DIR, name, 'invalid')).length, name).toBeGreaterThanOrEqual(2);
    }
  });

  for (const name of schemaNames()) {
    const { type, version } = parseSchemaName(name);

    describe(name, () => {
      for (const file of jsonFiles(join(EXAMPLES_DIR, name))) {
        it(`accepts ${file}`, () => {
          const payload = read(join(name, file));
          expect(validateAs(name, payload)).toEqual({ ok: true, type, version, message: payload });
          if (isMessageType(type)) expect(validateMessage(payload)).toMatchObject({ ok: true, type, version });
        });
      }

      for (const file of jsonFiles(join(EXAMPLES_DIR, name, 'invalid'))) {
        const key = `${name}/invalid/${file}`;
        it(`rejects invalid/${file}`, () => {
          const expected = EXPECTED_ERRORS[key];
          expect(expected, `add the expected error of ${key} to EXPECTED_ERRORS`).toBeDefined();
          const payload = read(join(name, 'invalid', file));
          const result = validateAs(name, payload);
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(
            result.errors.some((error) => error.startsWith(expected)),
            result.errors.join('\n'),
          ).toBe(true);
          if (isMessageType(type)) expect(validateMessage(payload).ok).toBe(false);
        });
      }
    });
  }

  it('has no expectation for a file that does not exist', () => {
    for (const key of Object.keys(EXPECTED_ERRORS)) {
      const [name, , file] = key.split('/');
      expect(jsonFiles(join(EXAMPLES_DIR, name, 'invalid')), key).toContain(file);
    }
  });
});

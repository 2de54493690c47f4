import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, MESSAGE_TYPES, schemaIdOf } from './catalog';
import type { BatchAcceptedDataV1 } from './generated/batch.accepted.v1';
import {
  buildMessage,
  compiledValidator,
  getSchema,
  type MessageData,
  type MessageType,
  SCHEMAS_DIR,
  type SchemaName,
  schemaNames,
  validateAs,
  validateMessage,
} from './index';

const acceptedData: BatchAcceptedDataV1 = {
  batchId: '0b7c2f4e-5a61-4d2b-9c3e-7f18a2d4e601',
  datasetId: '3e9a1c55-8b27-4f0d-a6c4-2d5b7e9f1a30',
  dataset: 'greenhouse-sensors',
  ownerId: 'user-42',
  recordCount: 3,
  options: { complexity: 2 },
  payload: { kind: 'inline' },
};

const DATA: { [T in MessageType]: MessageData<T> } = {
  'batch.accepted': acceptedData,
  'generation.produced': {
    generationId: '5f2b8d1a-7c4e-4a93-b6d0-e1f2a3b4c5d6',
    batchId: acceptedData.batchId,
    datasetId: acceptedData.datasetId,
    dataset: acceptedData.dataset,
    number: 1,
    stage: 'processed',
    partitionDate: '2025-03-14',
    schemaVersion: 1,
    tables: { records: { rows: 3, files: 1 } },
  },
  'batch.completed': {
    batchId: acceptedData.batchId,
    datasetId: acceptedData.datasetId,
    dataset: acceptedData.dataset,
    ownerId: acceptedData.ownerId,
    number: 1,
    processedGenerationId: '5f2b8d1a-7c4e-4a93-b6d0-e1f2a3b4c5d6',
    correctedGenerationId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
    recordCount: 3,
    corrections: 0,
    completedAt: '2025-03-14T09:27:31.770Z',
  },
  'user.registered': {
    userId: '8d0e6f8a-4f4b-4b8e-9d6c-3a1f2e5b7c90',
    email: 'ada@example.com',
    registeredAt: '2025-03-14T09:27:31.770Z',
    confirmationUrl: 'https://genlake.example.com/api/auth/confirm?token=abc',
    confirmationExpiresAt: '2025-03-15T09:27:31.770Z',
  },
  'user.confirmation-requested': {
    userId: '8d0e6f8a-4f4b-4b8e-9d6c-3a1f2e5b7c90',
    email: 'ada@example.com',
    confirmationUrl: 'https://genlake.example.com/api/auth/confirm?token=def',
    confirmationExpiresAt: '2025-03-15T09:27:31.770Z',
  },
  'user.registration-attempted': {
    userId: '8d0e6f8a-4f4b-4b8e-9d6c-3a1f2e5b7c90',
    email: 'ada@example.com',
    attemptedAt: '2025-03-15T09:27:31.770Z',
  },
};

describe('schemas', () => {
  it('are named <name>.v<N> with a matching $id and a title', () => {
    expect(schemaNames().sort()).toEqual(
      [
        'batch-request.v1',
        'batch.accepted.v1',
        'batch.completed.v1',
        'generation.produced.v1',
        'record.v1',
        'user.confirmation-requested.v1',
        'user.registered.v1',
        'user.registration-attempted.v1',
      ].sort(),
    );
    // Keeps the SchemaTypes map of validator.ts in step with the directory.
    const typed: SchemaName[] = [
      'batch-request.v1',
      'batch.accepted.v1',
      'batch.completed.v1',
      'generation.produced.v1',
      'record.v1',
      'user.confirmation-requested.v1',
      'user.registered.v1',
      'user.registration-attempted.v1',
    ];
    expect(typed.sort()).toEqual(schemaNames().sort());
    for (const name of schemaNames()) {
      const schema = getSchema(name);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(schemaIdOf(name));
      expect(schema.title, name).toMatch(/^[A-Z][A-Za-z0-9]+V\d+$/);
    }
  });

  it('close every object with additionalProperties (false, or a schema for maps)', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) walk(item, `${path}/${i}`);
      }
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'object' && schema.additionalProperties === undefined) open.push(path);
      for (const [key, value] of Object.entries(schema)) walk(value, `${path}/${key}`);
    };
    for (const name of schemaNames()) walk(getSchema(name), name);
    expect(open).toEqual([]);
  });

  it('give every message schema the same envelope', () => {
    for (const type of MESSAGE_TYPES) {
      const file = join(SCHEMAS_DIR, `${type}.v${CATALOG[type].version}.schema.json`);
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      expect(schema.required).toEqual(['id', 'type', 'version', 'occurredAt', 'correlationId', 'data']);
      expect(schema.additionalProperties).toBe(false);
      expect(schema.properties.type.const).toBe(type);
      expect(schema.properties.version.const).toBe(CATALOG[type].version);
    }
  });
});

describe('buildMessage', () => {
  for (const type of MESSAGE_TYPES) {
    it(`builds a valid ${type}`, () => {
      const message = buildMessage(type, DATA[type], { correlationId: 'req-1' });
      const result = validateMessage(message);
      expect(result).toEqual({ ok: true, type, version: CATALOG[type].version, message });
    });
  }

  it('uses the given id and occurredAt, and a fresh uuid otherwise', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    const fixed = buildMessage('batch.accepted', acceptedData, {
      correlationId: 'c',
      id: '1c6a9f0e-2b7d-4e3a-8f51-6d9c0b2a4e17',
      occurredAt: at,
    });
    expect(fixed).toEqual({
      id: '1c6a9f0e-2b7d-4e3a-8f51-6d9c0b2a4e17',
      type: 'batch.accepted',
      version: 1,
      occurredAt: '2025-01-02T03:04:05.678Z',
      correlationId: 'c',
      data: acceptedData,
    });
    const a = buildMessage('batch.accepted', acceptedData, { correlationId: 'c' });
    const b = buildMessage('batch.accepted', acceptedData, { correlationId: 'c' });
    expect(a.id).not.toBe(b.id);
    expect(Date.parse(a.occurredAt)).not.toBeNaN();
  });
});

describe('validateMessage', () => {
  it('narrows the message by type', () => {
    const result = validateMessage(buildMessage('batch.accepted', acceptedData, { correlationId: 'c' }));
    if (!result.ok || result.type !== 'batch.accepted') throw new Error('expected a valid batch.accepted');
    expect(result.message.data.recordCount).toBe(3);
  });

  it('names an unknown type and version', () => {
    expect(validateMessage({ type: 'batch.deleted', version: 1 })).toEqual({
      ok: false,
      errors: [
        '/type: unknown message type "batch.deleted" (known: batch.accepted, generation.produced, batch.completed, user.registered, user.confirmation-requested, user.registration-attempted)',
      ],
    });
    expect(validateMessage({ type: 'batch.accepted', version: 9 })).toEqual({
      ok: false,
      errors: ['/version: unknown version 9 of message type "batch.accepted" (known: 1)'],
    });
    expect(validateMessage({ type: 'record', version: 1 }).ok).toBe(false);
  });

  it('explains what is not an envelope', () => {
    expect(validateMessage('hello')).toEqual({ ok: false, errors: ['/: must be object (a message envelope)'] });
    expect(validateMessage([])).toMatchObject({ ok: false });
    expect(validateMessage({ version: 1 })).toEqual({ ok: false, errors: ["/: must have required property 'type'"] });
    expect(validateMessage({ type: 7 })).toEqual({ ok: false, errors: ['/type: must be string'] });
    expect(validateMessage({ type: 'batch.accepted' })).toEqual({
      ok: false,
      errors: ["/: must have required property 'version'"],
    });
    expect(validateMessage({ type: 'batch.accepted', version: '1' })).toEqual({
      ok: false,
      errors: ['/version: must be integer'],
    });
  });

  it('reports every error as path: message', () => {
    const message = buildMessage('batch.accepted', { ...acceptedData, recordCount: 0 }, { correlationId: '' });
    const result = validateMessage({ ...message, id: 'nope' });
    expect(result).toEqual({
      ok: false,
      errors: [
        '/id: must match format "uuid"',
        '/correlationId: must NOT have fewer than 1 characters',
        '/data/recordCount: must be >= 1',
      ],
    });
  });

  it('reports only the errors of the payload kind that was meant', () => {
    const objectPayload = { kind: 'object', key: 'incoming/a/b.ndjson', bytes: 10, format: 'csv' };
    const result = validateMessage({
      ...buildMessage('batch.accepted', acceptedData, { correlationId: 'c' }),
      data: { ...acceptedData, payload: objectPayload },
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        "/data/payload: must have required property 'sha256'",
        '/data/payload/format: must be equal to constant: "ndjson"',
      ],
    });
    const unknownKind = validateMessage({
      ...buildMessage('batch.accepted', acceptedData, { correlationId: 'c' }),
      data: { ...acceptedData, payload: { kind: 'queue' } },
    });
    expect(unknownKind).toEqual({
      ok: false,
      errors: [`/data/payload: must be one of "inline", "object" (in property 'kind')`],
    });
  });

  it('accepts RFC 3339 timestamps with an offset and rejects impossible dates', () => {
    const message = buildMessage('batch.accepted', acceptedData, { correlationId: 'c' });
    expect(validateMessage({ ...message, occurredAt: '2025-03-14T10:00:00.123456+05:30' }).ok).toBe(true);
    expect(validateMessage({ ...message, occurredAt: '2025-02-30T10:00:00Z' }).ok).toBe(false);
    expect(validateMessage({ ...message, occurredAt: '2025-03-14T10:00:00' }).ok).toBe(false);
  });
});

describe('validateAs and compiledValidator', () => {
  it('validate any schema by name', () => {
    const record = { entity: 'e', ts: '2025-03-14T09:00:00Z', metric: 'm', value: 1 };
    expect(validateAs('record.v1', record)).toEqual({ ok: true, type: 'record', version: 1, message: record });
    expect(validateAs('batch-request.v1', { dataset: 'd', records: [record] }).ok).toBe(true);
  });

  it('report an unknown schema', () => {
    const result = validateAs('record.v7', {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatch(/^unknown schema "record.v7" \(known: .*record\.v1/);
    expect(() => compiledValidator('nope.v1')).toThrow(/unknown schema "nope.v1"/);
  });

  it('compile once and cache', () => {
    const validate = compiledValidator('record.v1');
    expect(compiledValidator('record.v1')).toBe(validate);
    expect(validate({ entity: 'e', ts: '2025-03-14T09:00:00Z', metric: 'm', value: 1 })).toBe(true);
    expect(validate({ entity: 'e' })).toBe(false);
    expect(validate.errors?.length).toBeGreaterThan(0);
  });

  it('caps the number of reported errors', () => {
    const records = Array.from({ length: 300 }, () => ({ entity: '', ts: 'x', metric: 'm', value: 1 }));
    const result = validateAs('batch-request.v1', { dataset: 'd', records });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(101);
    expect(result.errors[100]).toBe('... and 500 more errors');
  });
});

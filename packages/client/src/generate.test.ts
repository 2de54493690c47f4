import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledDocument, GENERATED_FILE, generateApiTypes } from './generate.js';

describe('generated API types', () => {
  it('are up to date with services/gateway/openapi.yaml (run: npm run generate -w @genlake/client)', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8'), 'src/generated/api.d.ts is stale').toBe(await generateApiTypes());
  }, 30_000);

  it('take the batch request and record from the contracts, not from a copy', () => {
    const schemas = (bundledDocument().components as { schemas: Record<string, { title?: string }> }).schemas;
    const record = JSON.parse(
      readFileSync(new URL('../../contracts/schemas/record.v1.schema.json', import.meta.url), 'utf8'),
    );
    expect(schemas.MeasurementRecordV1.title).toBe(record.title);
    expect(JSON.stringify(bundledDocument())).not.toContain('https://genlake.dev/schemas/');
  });
});

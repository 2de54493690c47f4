import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { HealthController } from '@genlake/kit';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_CONTROLLERS } from './gateway.module';
import { OPENAPI_FILE } from './openapi.controller';
import { UPLOAD_RESOURCE_METHODS, UPLOADS_PATH } from './uploads/upload.routes';

function routes(controller: new (...args: never[]) => unknown): string[] {
  const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  const proto = controller.prototype as Record<string, unknown>;
  const out: string[] = [];
  for (const key of Object.getOwnPropertyNames(proto)) {
    const handler = proto[key];
    if (typeof handler !== 'function' || key === 'constructor') continue;
    const method = Reflect.getMetadata(METHOD_METADATA, handler);
    if (method === undefined) continue;
    const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
    const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
    out.push(`${RequestMethod[method].toLowerCase()} ${full}`);
  }
  return out;
}

describe('the committed OpenAPI document', () => {
  const doc = parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  const served = [
    ...[...GATEWAY_CONTROLLERS, HealthController].flatMap(routes),
    // the tus endpoint is served by Fastify routes of its own (uploads/upload.routes.ts)
    `post ${UPLOADS_PATH}`,
    ...UPLOAD_RESOURCE_METHODS.map((m) => `${m.toLowerCase()} ${UPLOADS_PATH}/{uploadId}`),
  ];

  it('documents every route the gateway serves, and nothing else', () => {
    expect(served.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('gives every operation an id and every 4xx a JSON reason', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        ops as Record<string, { operationId?: string; responses: Record<string, unknown> }>,
      )) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        for (const [status, response] of Object.entries(op.responses)) {
          if (/^4\d\d$/.test(status))
            expect(response, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/responses/Error' });
        }
      }
    }
  });
});

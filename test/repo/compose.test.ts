import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '@genlake/kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { correctorConfigSchema } from '../../services/corrector/src/config';
import { gatewayConfigSchema } from '../../services/gateway/src/config';
import { processorConfigSchema } from '../../services/processor/src/config';

const root = resolve(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: { context: string; args?: Record<string, string> };
      environment?: Record<string, string>;
      depends_on?: Record<string, unknown>;
    }
  >;
};
const schemas = { gateway: gatewayConfigSchema, processor: processorConfigSchema, corrector: correctorConfigSchema };

// No Docker engine runs where the tests run, so the compose file is checked for what can be checked.
describe('compose.yaml', () => {
  it('builds every genlake service from the one Dockerfile, and each service exists', () => {
    for (const name of Object.keys(schemas)) {
      const service = compose.services[name];
      expect(service?.build?.args?.SERVICE, name).toBe(name);
      expect(existsSync(join(root, service.build!.context, 'Dockerfile'))).toBe(true);
      expect(existsSync(join(root, 'services', name, 'src', 'main.ts')), name).toBe(true);
    }
  });

  it('gives each service an environment its configuration schema accepts', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const env = compose.services[name].environment ?? {};
      const config = parseConfig(schema, env) as { STORAGE_URL: string; DATABASE_URL: string };
      expect(config.STORAGE_URL).toMatch(/^s3:\/\//);
      expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
    }
  });

  it('only depends on services it defines', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dep of Object.keys(service.depends_on ?? {}))
        expect(compose.services[dep], `${name} → ${dep}`).toBeDefined();
    }
  });

  it('copies into the image only files that exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      if (m[1] !== '.') expect(existsSync(join(root, m[1])), m[1]).toBe(true);
    }
    expect(dockerfile).toMatch(/turbo@2 prune/);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK/m);
  });
});

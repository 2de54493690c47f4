import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setupTestServices, type TestServices } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './trino.generator';

const SCRIPT = join(REPO_ROOT, 'scripts', 'image', 'check.sh');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// The image recipe without a Docker engine: scripts/image/check.sh prunes, installs, builds and prunes the
// service in a temporary directory as the Dockerfile does, then starts it against the test services.
describe('scripts/image/check.sh', () => {
  let services: TestServices;

  beforeAll(async () => {
    services = await setupTestServices('image');
  });

  afterAll(async () => {
    await services?.cleanup();
  });

  it.each(['gateway', 'processor', 'corrector', 'notifier'])(
    'builds the %s as the Dockerfile does, and the result becomes ready and stops cleanly',
    async (service) => {
      const { code, output } = await run([service], {
        ...process.env,
        DATABASE_URL: services.databaseUrl,
        RABBITMQ_URL: services.rabbitmqUrl,
        KEEP_IMAGE_DIR: '',
        PORT: '',
      });
      expect(code, output).toBe(0);
      expect(output).toMatch(/GET \/health\/ready → 200/);
      // the gateway's image carries the web app and serves it at /
      if (service === 'gateway') expect(output).toMatch(/GET \/ → 200, the web app/);
      else expect(output).not.toMatch(/the web app/);
      expect(output).toMatch(new RegExp(`image check passed: ${service}`));
      const work = /work directory (\S+)/.exec(output)?.[1];
      expect(work).toBeDefined();
      expect(existsSync(work!), 'the temporary directory is removed').toBe(false);
    },
    600_000,
  );

  it('refuses an unknown service with a usage line', async () => {
    const { code, output } = await run(['no-such-service'], process.env);
    expect(code).toBe(2);
    expect(output).toMatch(/usage: scripts\/image\/check\.sh <service>/);
  });
});

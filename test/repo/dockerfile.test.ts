import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../../services/gateway/src/config';
import { REPO_ROOT as root } from './trino.generator';

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage. */
function stages(text: string): { args: string[]; stages: Stage[] } {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const result: { args: string[]; stages: Stage[] } = { args: [], stages: [] };
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) result.stages.push({ from: from[1], name: from[2], lines: [] });
    else if (result.stages.length === 0) result.args.push(line);
    else result.stages.at(-1)!.lines.push(line);
  }
  return result;
}

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const parsed = stages(dockerfile);
const [prune, build, final] = parsed.stages;
const script = readFileSync(join(root, 'scripts', 'image', 'check.sh'), 'utf8');
/** The script's commands, without its comments. */
const commands = script
  .split('\n')
  .filter((l) => !l.trim().startsWith('#'))
  .join('\n');

function indexOf(stage: Stage, pattern: RegExp): number {
  const i = stage.lines.findIndex((l) => pattern.test(l));
  expect(i, `${stage.name ?? 'final'}: ${pattern}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('Dockerfile', () => {
  it('is multi-stage on a Node 22 base image: prune, build, and a final stage with only what runs', () => {
    expect(parsed.args).toContainEqual(expect.stringMatching(/^ARG NODE_IMAGE=node:22(-[\w.-]+)?$/));
    expect(parsed.stages.map((s) => s.name)).toEqual(['prune', 'build', undefined]);
    for (const stage of parsed.stages) expect(stage.from).toBe(`\${NODE_IMAGE}`);
    expect(final.lines).toContainEqual(expect.stringMatching(/^COPY --from=build /));
  });

  it('prunes the monorepo to the service with turbo prune --docker, with the web app for the gateway', () => {
    const line = prune.lines[indexOf(prune, /npx --yes turbo@2 prune "\$@" --docker$/)];
    // the RUN line's shell, with the prune replaced by a print of what it would be given
    const script = line.replace(/^RUN /, '').replace('npx --yes turbo@2 prune', 'printf "%s\\n"');
    const pruned = (service: string) =>
      execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, SERVICE: service }, encoding: 'utf8' })
        .trim()
        .split('\n');
    expect(pruned('gateway')).toEqual(['@genlake/gateway', '@genlake/web', '--docker']);
    for (const service of ['processor', 'corrector', 'notifier']) {
      expect(pruned(service)).toEqual([`@genlake/${service}`, '--docker']);
    }
  });

  it('installs from the frozen lockfile before copying the sources, then builds and drops dev dependencies', () => {
    const json = indexOf(build, /^COPY --from=prune \/repo\/out\/json\/ \.$/);
    const ci = indexOf(build, /^RUN npm ci\b/);
    const full = indexOf(build, /^COPY --from=prune \/repo\/out\/full\/ \.$/);
    const tsconfig = indexOf(build, /^COPY tsconfig\.base\.json \.\/$/);
    // everything the prune kept: the service, its workspace dependencies (and the web app for the gateway)
    const compile = indexOf(build, /^RUN npx turbo run build && /);
    expect(build.lines[compile]).toMatch(/npm prune --omit=dev/);
    expect([json, ci, full, tsconfig, compile]).toEqual([...[json, ci, full, tsconfig, compile]].sort((a, b) => a - b));
    expect(dockerfile).not.toMatch(/npm install/);
  });

  it('runs as a non-root user with a health check, in production mode, with signals reaching node', () => {
    const user = final.lines.filter((l) => l.startsWith('USER '));
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^USER (root|0)(:|$)/);
    expect(final.lines).toContainEqual(expect.stringMatching(/^ENV .*NODE_ENV=production/));
    const health = final.lines.find((l) => l.startsWith('HEALTHCHECK'));
    expect(health).toMatch(/\/health\/live/);
    expect(health).toMatch(/process\.env\.PORT/);
    expect(final.lines.at(-1)).toBe(`CMD ["sh", "-c", "exec node services/\${SERVICE}/dist/main.js"]`);
  });

  it('puts the built web app where the gateway looks for it by default (WEB_DIST_DIR)', () => {
    // The image is the build stage's /repo at /app, so paths inside the repository hold in the image.
    expect(final.lines).toContainEqual('WORKDIR /app');
    expect(final.lines).toContainEqual(expect.stringMatching(/^COPY --from=build (--chown=\S+ )?\/repo \/app$/));
    const { WEB_DIST_DIR } = gatewayConfigSchema.parse({ AUTH_JWT_SECRET: 'x'.repeat(32) });
    // config.ts compiles to dist/config.js at the same depth as src/config.ts (rootDir src, outDir dist)
    const gatewayTsconfig = JSON.parse(readFileSync(join(root, 'services', 'gateway', 'tsconfig.json'), 'utf8'));
    expect(gatewayTsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(relative(root, WEB_DIST_DIR)).toBe(join('services', 'web', 'dist'));
    // the web app builds into dist (Vite's outDir), and its build is part of the gateway's image (test above)
    expect(readFileSync(join(root, 'services', 'web', 'vite.config.ts'), 'utf8')).toMatch(/outDir: 'dist'/);
    expect(JSON.parse(readFileSync(join(root, 'services', 'web', 'package.json'), 'utf8')).scripts.build).toMatch(
      /vite build/,
    );
  });
});

describe('scripts/image/check.sh', () => {
  it('performs the Dockerfile steps in the same order', () => {
    const steps = [
      /if \[ "\$SERVICE" = gateway \]; then packages\+=\("@genlake\/web"\); fi/,
      /turbo prune "\$\{packages\[@\]\}" --docker/,
      /cp -R "\$work\/out\/json\/\." /,
      /npm ci --no-audit --no-fund/,
      /cp -R "\$work\/out\/full\/\." /,
      /cp "\$repo\/tsconfig\.base\.json" /,
      /turbo run build --output-logs=errors-only/,
      /npm prune --omit=dev/,
      /node "services\/\$SERVICE\/dist\/main\.js"/,
      /\/health\/ready/,
      /curl -s -D - -o \/dev\/null "http:\/\/127\.0\.0\.1:\$port\/"/,
    ];
    const positions = steps.map((step) => {
      const m = step.exec(commands);
      expect(m, String(step)).not.toBeNull();
      return m!.index;
    });
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('installs from the frozen lockfile, as the Dockerfile does', () => {
    expect(commands).toMatch(/npm ci\b/);
    expect(commands).not.toMatch(/npm install\b/);
  });

  it('cleans up after itself', () => {
    expect(script).toMatch(/^set -euo pipefail$/m);
    expect(script).toMatch(/mktemp -d/);
    expect(script).toMatch(/trap cleanup EXIT/);
    expect(script).toMatch(/rm -rf "\$work"/);
  });
});

describe('both image architectures (linux/amd64 and linux/arm64)', () => {
  // the checker is plain CommonJS so that scripts/image/check.sh can run it before npm ci
  const { missingBindings } = require(join(root, 'scripts', 'image', 'platforms.js')) as {
    missingBindings: (lock: unknown) => Array<{ package: string; platform: string }>;
  };
  const binding = (cpu: string) => ({ version: '1.0.0', cpu: [cpu], os: ['linux'], libc: ['glibc'], optional: true });

  it('the lockfile lists every production native binding for both, so npm ci installs it on either', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    expect(missingBindings(lock)).toEqual([]);
  });

  it('a lockfile written on an x86 machine without the arm64 binding is refused, naming it', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/native': {
          version: '1.0.0',
          optionalDependencies: { 'native-linux-x64': '1.0.0', 'native-linux-arm64': '1.0.0' },
        },
        'node_modules/native-linux-x64': binding('x64'),
      },
    };
    expect(missingBindings(lock)).toEqual([{ package: 'native', platform: 'linux/arm64' }]);
    expect(
      missingBindings({ packages: { ...lock.packages, 'node_modules/native-linux-arm64': binding('arm64') } }),
    ).toEqual([]);
  });

  it('check.sh checks the pruned lockfile before installing from it', () => {
    const check = commands.indexOf('scripts/image/platforms.js" "$work/out/json/package-lock.json"');
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(commands.indexOf('npm ci --no-audit'));
  });
});

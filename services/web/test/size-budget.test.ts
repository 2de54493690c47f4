import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** The shell's JavaScript, gzipped, stays within this: a phone on a slow network opens the app in a few seconds. */
const BUDGET_BYTES = 150 * 1024;
const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');

describe('size budget of the built app', () => {
  it(`keeps the gzipped JavaScript of dist/assets within ${BUDGET_BYTES / 1024} KB`, () => {
    expect(existsSync(assets), 'build the app first: npm run build -w @genlake/web').toBe(true);
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = scripts.map((f) => ({
      file: f,
      gzipped: gzipSync(readFileSync(join(assets, f)), { level: 9 }).length,
    }));
    const total = sizes.reduce((sum, s) => sum + s.gzipped, 0);
    console.log(
      `web: ${scripts.length} scripts, ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});

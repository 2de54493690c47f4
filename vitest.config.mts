import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const __dirname = dirname(fileURLToPath(import.meta.url));

// Tests import workspace packages from source, so a test never runs against a stale build.
const alias = {
  '@genlake/contracts/lifecycle': resolve(__dirname, 'packages/contracts/src/lifecycle.ts'),
  '@genlake/contracts/topology': resolve(__dirname, 'packages/contracts/src/topology.ts'),
  '@genlake/contracts/web-headers': resolve(__dirname, 'packages/contracts/src/web-headers.ts'),
  '@genlake/contracts': resolve(__dirname, 'packages/contracts/src/index.ts'),
  '@genlake/kit': resolve(__dirname, 'packages/kit/src/index.ts'),
  '@genlake/testing': resolve(__dirname, 'packages/testing/src/index.ts'),
  '@genlake/lake': resolve(__dirname, 'lake/src/index.ts'),
  '@genlake/migrations': resolve(__dirname, 'migrations/src/index.ts'),
  '@genlake/crm-stub': resolve(__dirname, 'services/crm-stub/src/crm.stub.ts'),
  '@genlake/mail-stub': resolve(__dirname, 'services/mail-stub/src/mail.stub.ts'),
  '@genlake/athena-stub': resolve(__dirname, 'services/athena-stub/src/athena.stub.ts'),
};
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      // The web app's component tests (DOM, IndexedDB) and its size budget.
      'services/web/vitest.config.mts',
      {
        resolve: { alias },
        test: {
          name: 'small',
          include: [
            '{packages,services,lake,migrations,infra,dashboards}/**/src/**/*.test.ts',
            'tools/*/src/**/*.test.{ts,js}',
            'test/repo/**/*.test.ts',
          ],
          exclude: [...exclude, '**/*.medium.test.ts', 'services/web/**'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'medium',
          include: ['{packages,services,lake,migrations}/**/src/**/*.medium.test.ts', 'test/repo/**/*.medium.test.ts'],
          exclude,
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          exclude,
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineProject } from 'vitest/config';

const here = dirname(fileURLToPath(import.meta.url));

// The web app's component tests: a DOM (happy-dom), IndexedDB (fake-indexeddb), the workspace client from source.
export default defineProject({
  plugins: [preact()],
  resolve: {
    alias: {
      '@genlake/client': resolve(here, '../../packages/client/src/index.ts'),
      '@genlake/contracts/lifecycle': resolve(here, '../../packages/contracts/src/lifecycle.ts'),
    },
  },
  test: {
    name: 'web',
    root: here,
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    environment: 'happy-dom',
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
  },
});

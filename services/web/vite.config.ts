import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES } from '@genlake/contracts/topology';
import { WEB_HASHED_ASSETS_DIR } from '@genlake/contracts/web-headers';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// `npm run dev` proxies the API to a running gateway (GENLAKE_URL, default the gateway's local port), so the app
// and the API share an origin as they do when the gateway serves the built app.
const gateway = process.env.GENLAKE_URL ?? `http://localhost:${SERVICES.gateway.port}`;
const proxied = {
  target: gateway,
  changeOrigin: true,
  // The gateway refuses cookie-session requests naming another origin; the dev server's origin is not the gateway's.
  configure: (proxy: { on(event: 'proxyReq', listener: (req: { removeHeader(name: string): void }) => void): void }) =>
    proxy.on('proxyReq', (req) => req.removeHeader('origin')),
};

// The batch lifecycle is the contracts' TypeScript source (browser-safe); the package's build output is CommonJS.
const CONTRACTS_ALIASES = {
  '@genlake/contracts/lifecycle': resolve(
    dirname(fileURLToPath(import.meta.url)),
    '../../packages/contracts/src/lifecycle.ts',
  ),
};

export default defineConfig({
  resolve: { alias: CONTRACTS_ALIASES },
  plugins: [
    preact(),
    VitePWA({
      registerType: 'autoUpdate',
      // A script file, not an inline script: the gateway's Content-Security-Policy allows only 'self'.
      injectRegister: 'script-defer',
      includeAssets: ['favicon.svg', 'icon-192.png', 'icon-512.png'],
      manifest: {
        name: 'genlake',
        short_name: 'genlake',
        description: 'Send batches of measurements and follow them through the generation lake',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4e89',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        // The API is never answered from the cache, nor is a navigation to it given the shell.
        navigateFallbackDenylist: [/^\/api(\/|$)/, /^\/health(\/|$)/, /^\/metrics$/],
        runtimeCaching: [],
        importScripts: ['/sw-sync.js'],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  // Files under assetsDir carry a content hash: the gateway and CloudFront cache them for a year, nothing else.
  build: { outDir: 'dist', assetsDir: WEB_HASHED_ASSETS_DIR, emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': proxied, '/health': proxied } },
});

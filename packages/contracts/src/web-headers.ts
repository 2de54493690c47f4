/**
 * The response headers of the web app's files (services/web/dist), written once. The gateway sends them when it
 * serves the app (`npm start`, compose: services/gateway/src/web/web-app.static.ts); in AWS the files come from S3
 * through CloudFront, whose response headers policy is built from the same constants (infra/src/stacks/edge.stack.ts,
 * which adds HSTS: that one belongs to the HTTPS edge). `@genlake/contracts/web-headers` loads it without the
 * validator.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const WEB_SECURITY_HEADERS = {
  'content-security-policy': WEB_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
} as const satisfies Readonly<Record<string, string>>;

/** The folder of the build whose files carry a content hash in their names (Vite's `build.assetsDir`). */
export const WEB_HASHED_ASSETS_DIR = 'assets';

/** Hashed build output never changes under its name; everything else (index.html, the service worker, the
 * manifest, icons) is revalidated on every load. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const REVALIDATE_CACHE = 'no-cache';

#!/usr/bin/env node
// The images are built for linux/amd64 and linux/arm64 (Graviton). `npm ci` installs a native package's binding
// for the platform it runs on only when the lockfile lists that binding: a lockfile written on one machine may
// lack the other architecture's, and the image then fails at run time on that architecture (DuckDB cannot load).
//
//   node scripts/image/platforms.js [package-lock.json]   → exit 0, or 1 naming each missing binding
//
// Checks every production package whose optional dependencies are per-platform bindings: each of the image
// platforms (Debian, glibc) must be in the lockfile.

const fs = require('node:fs');
const path = require('node:path');

/** The platforms the images are built for: Node's names (process.platform, process.arch) and the libc. */
const IMAGE_PLATFORMS = [
  { os: 'linux', cpu: 'x64', libc: 'glibc', docker: 'linux/amd64' },
  { os: 'linux', cpu: 'arm64', libc: 'glibc', docker: 'linux/arm64' },
];

const matches = (list, value) => !Array.isArray(list) || list.includes(value);

/** `[{ package, platform }]` for every image platform a production native package has no binding for. */
function missingBindings(lock) {
  const packages = lock.packages ?? {};
  const missing = [];
  for (const [key, entry] of Object.entries(packages)) {
    if (!key || entry.dev || !entry.optionalDependencies) continue;
    const names = Object.keys(entry.optionalDependencies);
    const bindings = names.map((n) => [n, packages[`node_modules/${n}`]]);
    // per-platform bindings: at least one optional dependency in the lockfile declares cpu and os
    if (!bindings.some(([, b]) => b?.cpu && b?.os) && !names.some((n) => /linux-(x64|arm64)/.test(n))) continue;
    for (const platform of IMAGE_PLATFORMS) {
      const found = bindings.some(
        ([, b]) =>
          b?.cpu &&
          b?.os &&
          matches(b.os, platform.os) &&
          matches(b.cpu, platform.cpu) &&
          matches(b.libc, platform.libc),
      );
      if (!found) missing.push({ package: key.replace(/^.*node_modules\//, ''), platform: platform.docker });
    }
  }
  return missing;
}

if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? path.join(__dirname, '../../package-lock.json'));
  const missing = missingBindings(JSON.parse(fs.readFileSync(file, 'utf8')));
  for (const m of missing) console.error(`${file}: ${m.package} has no binding for ${m.platform}`);
  if (missing.length) {
    console.error('add them: npm install --os=linux --cpu=<arch> (or the entries) so that npm ci installs them there');
    process.exitCode = 1;
  }
}

module.exports = { missingBindings, IMAGE_PLATFORMS };

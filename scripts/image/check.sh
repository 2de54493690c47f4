#!/usr/bin/env bash
# Builds a service the way the Dockerfile does, as plain commands in a temporary directory, then starts the
# result and waits until it is ready: a check of the image recipe where no Docker engine runs.
#
#   scripts/image/check.sh gateway|processor|corrector|notifier
#
# Steps (Dockerfile stage in brackets):
#   1. [prune] turbo prune @genlake/SERVICE --docker (and @genlake/web for the gateway, which serves it at /)
#              → out/json (package.json files + pruned lockfile), out/full; the pruned lockfile must list the native
#              bindings of both image platforms (scripts/image/platforms.js)
#   2. [build] install from the pruned lockfile, copy the sources and tsconfig.base.json, turbo build of every
#              package the prune kept, npm prune --omit=dev
#   3. [final] node services/SERVICE/dist/main.js with NODE_ENV=production and nothing else from this shell's
#              environment, until GET /health/ready answers 200 (for the gateway also GET / → the web app with its
#              Content-Security-Policy); then SIGTERM and a clean exit (code 0).
#
# Environment: DATABASE_URL, RABBITMQ_URL (default: the local servers of the README), PORT (default: a free
# port), AUTH_JWT_SECRET (the gateway's key; default: a random one), READY_TIMEOUT_S (default 120), KEEP_IMAGE_DIR=1 keeps the temporary directory for a look.
# Safe to run again and side by side: every run works in its own temporary directory and removes it.
set -euo pipefail

SERVICE="${1:-}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -z "$SERVICE" ] || [ ! -f "$repo/services/$SERVICE/package.json" ]; then
  echo "usage: scripts/image/check.sh <service>   (one of: $(ls "$repo/services" | tr '\n' ' '))" >&2
  exit 2
fi

log() { printf '== [%s] %s\n' "$SERVICE" "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/genlake-image-$SERVICE.XXXXXX")"
app="$work/app"
pid=""
cleanup() {
  local status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "${KEEP_IMAGE_DIR:-}" = "1" ]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
started=$(date +%s)
log "work directory $work"

# --- stage prune -------------------------------------------------------------------------------------------
packages=("@genlake/$SERVICE")
if [ "$SERVICE" = gateway ]; then packages+=("@genlake/web"); fi
log "turbo prune ${packages[*]} --docker"
(cd "$repo" && npx --no-install turbo prune "${packages[@]}" --docker --out-dir "$work/out" >/dev/null)
log "native bindings for linux/amd64 and linux/arm64 in the pruned lockfile"
node "$repo/scripts/image/platforms.js" "$work/out/json/package-lock.json"

# --- stage build -------------------------------------------------------------------------------------------
mkdir -p "$app"
cp -R "$work/out/json/." "$app/"
log "npm ci (pruned lockfile)"
# The same frozen install the Dockerfile runs.
(cd "$app" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null)
cp -R "$work/out/full/." "$app/"
cp "$repo/tsconfig.base.json" "$app/"
log "turbo run build (every package of the prune)"
(cd "$app" && npx --no-install turbo run build --output-logs=errors-only >/dev/null)
log "npm prune --omit=dev"
(cd "$app" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
for dev in typescript turbo vitest vite; do
  if [ -e "$app/node_modules/$dev" ]; then
    log "development package $dev is still installed after npm prune --omit=dev"
    exit 1
  fi
done
log "image contents: $(du -sh "$app" | cut -f1) ($(du -sh "$app/node_modules" | cut -f1) node_modules)"

# --- final stage: start and wait for readiness -------------------------------------------------------------
port="${PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
mkdir -p "$work/storage" "$work/tmp"
log "starting node services/$SERVICE/dist/main.js on port $port"
(
  cd "$app"
  exec env -i PATH="$PATH" HOME="$work" NODE_ENV=production SERVICE="$SERVICE" PORT="$port" \
    DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/genlake}" \
    RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672}" \
    STORAGE_URL="$work/storage" WORK_DIR="$work/tmp" LOG_LEVEL="${LOG_LEVEL:-warn}" \
    AUTH_JWT_SECRET="${AUTH_JWT_SECRET:-$(node -e "process.stdout.write(require('crypto').randomBytes(48).toString('base64'))")}" \
    node "services/$SERVICE/dist/main.js"
) >"$work/service.log" 2>&1 &
pid=$!

deadline=$(($(date +%s) + ${READY_TIMEOUT_S:-120}))
code=""
until [ "$code" = "200" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "the service exited before it was ready:"
    cat "$work/service.log" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "not ready after ${READY_TIMEOUT_S:-120} s (last answer: ${code:-none}):"
    cat "$work/service.log" >&2
    exit 1
  fi
  sleep 0.5
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)"
done
log "GET /health/ready → 200 after $(($(date +%s) - started)) s in total"

if [ "$SERVICE" = gateway ]; then
  # The gateway's default WEB_DIST_DIR is services/web/dist beside it: the app at /, with its headers.
  headers="$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/")"
  if ! grep -qi '^HTTP/[0-9.]* 200' <<<"$headers" || ! grep -qi '^content-type: text/html' <<<"$headers" \
    || ! grep -qi "^content-security-policy: default-src 'self'" <<<"$headers"; then
    log "GET / is not the web app:"
    printf '%s\n' "$headers" >&2
    cat "$work/service.log" >&2
    exit 1
  fi
  log "GET / → 200, the web app ($(du -sh "$app/services/web/dist" | cut -f1) in services/web/dist)"
fi

log "stopping (SIGTERM)"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
if [ "$status" -ne 0 ]; then
  log "the service exited with status $status after SIGTERM:"
  cat "$work/service.log" >&2
  exit 1
fi
echo "image check passed: $SERVICE ready on /health/ready, stopped cleanly ($(($(date +%s) - started)) s)"

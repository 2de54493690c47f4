# One image recipe for every service: docker build --build-arg SERVICE=gateway -t genlake/gateway .
# Both architectures (x86 and Graviton): docker buildx build --platform linux/amd64,linux/arm64 --build-arg SERVICE=...
# (npm ci installs each platform's native bindings from the lockfile: scripts/image/platforms.js checks they are listed).
# Stage 1 prunes the monorepo to the service and its workspace dependencies (turbo prune --docker), with the web app
# for the gateway, which serves it at / (services/web/dist, its WEB_DIST_DIR default); stage 2 installs from the
# frozen lockfile, builds everything the prune kept and drops the dev dependencies; stage 3 keeps only what runs.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS prune
ARG SERVICE
WORKDIR /repo
COPY . .
RUN set -- "@genlake/${SERVICE}"; \
  if [ "${SERVICE}" = gateway ]; then set -- "$@" @genlake/web; fi; \
  npx --yes turbo@2 prune "$@" --docker

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /repo
COPY --from=prune /repo/out/json/ .
RUN npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ .
COPY tsconfig.base.json ./
RUN npx turbo run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ARG SERVICE
# HOST=0.0.0.0: in a container the service is reached from outside it (outside one it listens on 127.0.0.1).
ENV NODE_ENV=production SERVICE=${SERVICE} WORK_DIR=/tmp/genlake HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /repo /app
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form through node so SIGTERM reaches the service (graceful shutdown)
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]

# tenant-queue-worker (`tqw`) image. (No `# syntax=` line: the builder's own Dockerfile frontend is enough,
# and an offline BuildKit would otherwise try to pull one.)
#
#   docker build -t tenant-queue-worker .
#   docker run --rm -p 9464:9464 \
#     -v "$PWD/tenants.json:/etc/tqw/tenants.json:ro" -e TENANT_A_PASSWORD=... tenant-queue-worker
#
# Layout of the runtime image (the paths are documented in the README and in deploy/kubernetes):
#   /app                    the package: bin/, dist/ and the production node_modules, owned by root (read-only
#                           for the process)
#   /handlers               handler modules (TQW_HANDLERS_DIR). Holds the example handlers so the image runs on its
#                           own; mount your directory over it, or `COPY` your handlers there in a derived image.
#                           Handlers can `require('tenant-queue-worker')` and the worker's own `mssql` / `pg`.
#   /etc/tqw/config.json    config file (TQW_CONFIG): the image's own (tenants file below, port 9464); mount a
#                           directory with your config.json and tenants.json over /etc/tqw to change it. Any key
#                           can also be set by its TQW_* environment variable.
#   /etc/tqw/tenants.json   tenants file (tenants.file): mount it. `${VAR}` in a connection string is read from
#                           the environment, so passwords come from `-e`, compose or a Kubernetes Secret.
#
# `tqw run` is the default command; any other subcommand works the same way:
#   docker run --rm tenant-queue-worker migrate
#   docker run --rm tenant-queue-worker config --docs

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile the TypeScript, then drop the dev dependencies ---------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first: this layer stays cached until package.json or the lock file change.
# --ignore-scripts: `prepare` (the tsc build) would run before the sources are copied, and no production
# dependency needs an install script (all of them are plain JavaScript; the check below keeps it that way).
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build

# Production dependencies only, without the source maps and type declarations the packages ship (about half of
# their size, mostly the Azure SDK under mssql; nothing loads them at run time). The runtime stage copies
# node_modules from here, so it must hold no compiled addon: a `.node` file built for this stage's platform
# would break the image on another one.
# The Azure SDK under mssql/tedious (AAD logins) is most of the rest: it ships browser, react-native and
# workerd builds beside the Node one, its TypeScript sources, and @azure/msal-browser (10 MB), which only
# its browser builds load. Removing them cuts what we add to the base image from 36 to 24 MB (node_modules 32 -> 20 MB); the
# require() at the end proves the Node load path of every driver is intact.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete \
 && find node_modules/@azure node_modules/@typespec -mindepth 3 -maxdepth 3 -type d -path '*/dist/*' \
      \( -name browser -o -name react-native -o -name workerd \) -prune -exec rm -rf {} + \
 && rm -rf node_modules/@azure/msal-browser node_modules/@azure/msal-node/src node_modules/@azure/msal-common/src \
 && node -e "for (const m of ['mssql', 'tedious', '@azure/identity', '@azure/msal-node', 'pg', 'pino', 'convict', 'prom-client']) require(m)" \
 && if find node_modules -name '*.node' -type f | grep -q .; then \
      echo 'a production dependency ships a native addon; build it in the runtime stage instead' >&2; exit 1; \
    fi

# ---- runtime --------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="tenant-queue-worker" \
      org.opencontainers.image.description="tqw: a multi-tenant worker daemon for SQL-backed job queues (SQL Server and PostgreSQL QueueMessages tables)" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# tini runs as PID 1: it forwards SIGTERM/SIGINT to node (which then drains in-flight messages for up to
# worker.shutdownTimeoutMs) and reaps zombie processes. Node itself as PID 1 would ignore signals it has no
# handler for and never reap.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# NODE_PATH: handler modules in /handlers resolve `tenant-queue-worker` (linked below) and the worker's own
# `mssql` / `pg` (one copy of each, so `instanceof` checks and the transaction objects handlers receive match).
ENV NODE_ENV=production \
    NODE_PATH=/app/node_modules \
    TQW_CONFIG=/etc/tqw/config.json \
    TQW_HANDLERS_DIR=/handlers

WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The package's ESM entry, for handler modules that `import` it (.mjs).
COPY esm ./esm
RUN ln -s /app /app/node_modules/tenant-queue-worker

COPY examples/handlers /handlers
COPY docker/config.json /etc/tqw/config.json

# The image's `node` user (uid 1000, gid 1000). Everything above is owned by root and read-only to it.
USER node

EXPOSE 9464

# /livez answers 200 while the event loop is responsive. `tqw healthcheck` loads the same configuration as
# the daemon (TQW_CONFIG, a mounted config.json, TQW_* variables), so it probes the port the daemon really
# listens on. Plain node, no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "/app/bin/tqw.js", "healthcheck"]

STOPSIGNAL SIGTERM
# --max-semi-space-size=32: a larger V8 young generation. The worker's garbage is per-message objects,
# and its local queue (up to worker.prefetch messages) outlives a default-sized scavenge or two; with
# 32 MB semi-spaces fewer of them are copied and promoted. Measured (50,000-message no-op drains,
# docs/performance.md): worker CPU per message 10.7-11.3 -> 7.2-9.3 us. The young generation grows to
# it only under allocation pressure, so an idle worker's memory is unchanged.
# --no-allocation-site-pretenuring: V8 otherwise learns from a busy spell that the claimed messages
# survive their first scavenge (they wait in the local queue and for their batched completion) and
# starts allocating them straight into the old generation, where they die a few ms later and cost
# major collections: measured in 50,000-message drains, 6 of 28 drains of a warm worker ran with
# 1-3 major GCs and a third more worker CPU; with the flag none of 28 did (docs/performance.md).
# (bench/lib/runtimes.js runs tqw with the same flags.)
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=32", "--no-allocation-site-pretenuring", "/app/bin/tqw.js"]
CMD ["run"]

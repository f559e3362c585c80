# syntax=docker/dockerfile:1
# Ratchet container image — deployment guide: docs/deploy.md
#
#   docker build -t ratchet .
#   docker run --rm -p 8080:8080 -v ratchet-data:/data \
#     -v "$PWD/ratchet.yaml:/etc/ratchet/ratchet.yaml:ro" -e CONTOSO_GRAPH_SECRET ratchet
#
# No Docker engine runs in CI: test/container/runtime-stage.sh replays the runtime stage's COPY and RUN steps in a
# clean folder (production install, `serve` against the simulator, /healthz, SIGTERM). It first checks that the
# runtime stage's COPY lines, install commands, HEALTHCHECK and CMD still match its own. Change one, change the other.

# ── build: full install (TypeScript is a devDependency) and tsc → dist/ ─────────────────────────────────────────────
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: skip "prepare" (nothing to build yet) and better-sqlite3's native build, which this stage never runs.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY collectors ./collectors
COPY psa ./psa
COPY scripts ./scripts
RUN npm run build

# ── runtime: production dependencies only, non-root, tini as PID 1 ──────────────────────────────────────────────────
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    RATCHET_CONFIG=/etc/ratchet/ratchet.yaml
WORKDIR /app

# tini forwards SIGTERM to node and reaps zombies (node as PID 1 would ignore default signal dispositions).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json ./
# Production install without lifecycle scripts ("prepare" would call tsc, which --omit=dev leaves out), then build
# better-sqlite3's native module: a prebuilt binary when GitHub is reachable, otherwise from source with the
# toolchain installed here (purged in the same layer) against the image's own Node headers (no nodejs.org download).
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 make g++; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund; \
    if [ -f /usr/local/include/node/node_version.h ]; then export npm_config_nodedir=/usr/local; fi; \
    npm rebuild better-sqlite3; \
    node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"; \
    apt-get purge -y --auto-remove python3 make g++; \
    rm -rf /var/lib/apt/lists/* /root/.npm /root/.cache /tmp/*

COPY bin ./bin
COPY rules ./rules
COPY config ./config
COPY --from=build /src/dist ./dist

# /app stays root-owned (read-only for the node user); history lives on the /data volume; config and secrets are
# mounted read-only at /etc/ratchet and /run/secrets. `ratchet` on PATH for `docker exec <container> ratchet …`.
RUN mkdir -p /data /etc/ratchet \
 && chown node:node /data && chmod 0750 /data \
 && ln -s /app/bin/ratchet.js /usr/local/bin/ratchet
VOLUME /data
USER node
EXPOSE 8080

# No curl in the slim image: probe with node's fetch. The default command pins the listener to port 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/ratchet.js"]
# --host 0.0.0.0 so a published port reaches the server (the config's 127.0.0.1 default would not) and --port 8080
# for the HEALTHCHECK, whatever server.* the mounted config says. --grace-seconds 25: running scans get 25 s after
# SIGTERM, inside the 30 s that Kubernetes and Container Apps wait before SIGKILL (docker stop: use -t 30).
# Other commands replace this one: `docker run … ratchet scan`, `… doctor`, `… history --tenant ID`.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--grace-seconds", "25"]

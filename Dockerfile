# chargebridge: one image for every role. The default command runs them all in one process
# (`start`); `gateway`, `registry`, `history` and `broker` run one role each (docs/scale-out.md).
# Production use with InfluxDB and Grafana: docs/deploy.md.

# --- deps: production node_modules. No native addon (the embedded stores use Node's own
# node:sqlite, docs/runtime.md), so no compiler in this stage either.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The TypeScript sources run as they are: Node 24 strips their types at load (docs/runtime.md), so
# --omit=dev keeps everything the program needs and leaves out the test and type-checking tools.
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# package.json carries "type": "module" (Node's type stripping reads no tsconfig.json).
COPY package.json ./
COPY bin ./bin
COPY common ./common
COPY ocpp ./ocpp
COPY contracts ./contracts
COPY broker ./broker
COPY gateway ./gateway
COPY device-registry ./device-registry
COPY history ./history
COPY message-log ./message-log
COPY alerts ./alerts
COPY dashboards ./dashboards
# `chargebridge simulate` (simulated chargers for load tests) is part of the CLI.
COPY simulator ./simulator
# The files stay root-owned (read-only for the program); only the data directory is writable.
# Created here so a new named volume inherits the node user's ownership.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# OCPP WebSocket, HTTP (API, dashboard, /docs, MQTT over WebSocket), embedded MQTT broker.
EXPOSE 9000 9443 8080 1883 8883
# /health is public (no token). Roles without the HTTP API (`gateway`, `history`, `broker`)
# serve no HTTP: disable this check for them (docs/deploy.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const tls = !!process.env.TLS_CERT_FILE || /^(true|1|yes|on)$/.test(process.env.TLS_DEV_CA || ''); require(tls ? 'node:https' : 'node:http').get((tls ? 'https' : 'http') + '://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/health', { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# A 32 MiB young generation: per-frame garbage dies young instead of being promoted, which keeps
# old-space collections (and their tail latency) rare with thousands of chargers, at ~15 KiB per
# charger; above ~8,000 MeterValues/s per process use 64 (docs/configuration.md, benchmarks.md).
CMD ["node", "--max-semi-space-size=32", "bin/chargebridge.ts", "start"]

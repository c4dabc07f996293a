# wandb-infra-hooks: the Metacontroller hook server.
#   docker build -t wandb-infra-hooks:0.1.0 .
# Node.js 24 (LTS). The runtime stage is distroless: no shell, no package manager, only node and
# the production dependencies. Nothing is written at run time, so the container runs with a
# read-only root filesystem.

# ---- build: compile TypeScript with the full (dev) dependency set
FROM node:24.19.0-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY compositions ./compositions
# Only the server's sources: the CLI (cli/) and the simulator (sim/) stay out of the image.
COPY hooks ./hooks
RUN npm run build

# ---- deps: production dependencies only
FROM node:24.19.0-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime
FROM gcr.io/distroless/nodejs24-debian13:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production
# package.json marks dist/ as ES modules ("type": "module").
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Numeric, so Kubernetes can verify runAsNonRoot without a passwd entry; files stay root-owned
# and read-only to this user.
USER 10001:10001
EXPOSE 8080 9090
# Exec form: node is PID 1 and receives SIGTERM itself (graceful drain). Without allocation-site
# pretenuring V8 stops moving each request's objects into the old generation, which made GC the
# largest cost per call (docs/performance.md).
ENTRYPOINT []
CMD ["/nodejs/bin/node", "--no-allocation-site-pretenuring", "dist/hooks/main.js"]

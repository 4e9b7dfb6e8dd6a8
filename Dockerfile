# syntax=docker/dockerfile:1
# One image for every Gatehouse process; the first argument picks the app:
#   gateway | admin-api | audit-service | gatehouse (all-in-one) | db:migrate | fixture-upstream
# Build: docker build -t gatehouse:dev .      Run: docker run gatehouse:dev gateway
# See docs/deploy.md. Runs as uid 1000 and writes nothing outside /tmp (read-only root fs).

# Node 24 LTS: Node 20 left support in April 2026. CI runs every test tier on both.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: every dependency, generate the Prisma client, compile to dist/ ----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json ./
# --ignore-scripts: no install script downloads anything; the one we need (prisma generate, the
# postinstall) runs explicitly below with the schema engine stubbed, as on the dev machines.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma ./prisma
RUN npm run prisma:generate
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm run build \
 && test -f dist/apps/gateway/src/main.js \
 && test -f dist/apps/cli/src/main.js \
 && test -f dist/tools/db-migrate.js

# ---- prod-deps: production dependencies only ---------------------------------------------------
# The compiled Prisma client lives in dist/ (generated into the source tree), so the postinstall
# (prisma generate, which needs the `prisma` devDependency) is not needed here: --ignore-scripts.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /root/.npm

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="gatehouse" \
      org.opencontainers.image.description="Multi-tenant MCP gateway (gateway, admin-api, audit-service, db:migrate)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    GATEHOUSE_MIGRATIONS_DIR=/app/prisma/migrations \
    GATEHOUSE_DATA_DIR=/tmp/gatehouse/data \
    HOME=/tmp \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# npm and corepack are not needed at run time: the apps start with `node`, never `npm run`.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root prisma/migrations ./prisma/migrations
COPY --chown=root:root --chmod=0755 deploy/docker/gatehouse-entrypoint.sh /usr/local/bin/gatehouse
COPY --chown=root:root --chmod=0644 deploy/docker/healthcheck.mjs /app/healthcheck.mjs
# The files belong to root and are read-only for the app user (uid 1000, `node` in the base image).
USER 1000:1000
EXPOSE 8080 8081 8082
# /healthz of whichever app this container runs (PORT, else the first app port that answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["gateway"]

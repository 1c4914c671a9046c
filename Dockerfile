# dataex: one image for every process (gateway, subgraphs, simulators, the dataex CLI); the
# command picks one. Node 24 (the major of .nvmrc and of the `node` dependency that npm scripts run
# on) runs the TypeScript sources as they are, stripping their types itself: the image runs the
# same files as `npm start` and the tests, with no compile step.
#
# Build stage: every dependency, to build the console (GraphiQL, React, Monaco, esbuild are
# devDependencies). Runtime stage: production dependencies only (`npm ci --omit=dev`), the
# sources and the built console. .dockerignore keeps host installs, state, secrets, tests and the
# benchmark out of the context.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the console build) needs the sources, copied next; the `node`
# package's own install script would fetch a second Node 24 the image already has.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY gateway ./gateway
RUN node gateway/playground/build.ts

FROM node:24-bookworm-slim AS runtime
# A 64 MiB young generation for every process (Node's default: 16 MiB): a request's short-lived
# objects mostly die before a scavenge instead of being copied and promoted (cold queries: ~7 %
# less gateway CPU). The gateway's commands add what NODE_OPTIONS may not carry: a young
# generation that stays at that size, and an old generation allowed to grow 3x its live size
# before a full GC (docs/configuration.md; each re-measured on Node 24).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64 \
    DATAEX_HOST=0.0.0.0 \
    DATAEX_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY gateway ./gateway
COPY lib ./lib
COPY queries ./queries
COPY schema ./schema
COPY simulators ./simulators
COPY subgraphs ./subgraphs
COPY start.ts stack.ts ./
COPY --from=build /app/dist/console ./dist/console
# `dataex …` in the image: `docker run --rm -v dataex-data:/data dataex dataex keys create …`
RUN ln -s /app/bin/dataex.mjs /usr/local/bin/dataex \
 && mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.DATAEX_PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Default: the whole stack in one process (like `npm start`). Compose runs one process per service.
CMD ["node", "--min-semi-space-size=64", "--heap-growing-percent=200", "start.ts"]

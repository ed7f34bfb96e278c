# syntax=docker/dockerfile:1
# tagpilot: multi-stage, production dependencies only, non-root, read-only root filesystem.
# Everything tagpilot writes (the clone, caches) lives under /var/cache/tagpilot: mount an
# emptyDir there and run with readOnlyRootFilesystem: true.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency would download a second Node; the image has one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
# One bundle in ESM chunks, a chunk per verb (scripts/build.ts; docs/performance.md, "The process floor, the bundle and the flags").
RUN node scripts/build.ts

FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
# A capped heap keeps memory flat (V8 would otherwise grow it far past the live set); see
# docs/registries.md#memory. Raise it with NODE_OPTIONS for very large fleets; what a lower cap
# saves in RSS and costs in CPU: docs/performance.md, "The process floor, the bundle and the flags".
ENV NODE_ENV=production \
    TAGPILOT_CACHE_DIR=/var/cache/tagpilot \
    NODE_OPTIONS="--max-old-space-size=64 --max-semi-space-size=1" \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN mkdir -p /var/cache/tagpilot && chown node:node /var/cache/tagpilot
USER node
VOLUME ["/var/cache/tagpilot"]
ENTRYPOINT ["node", "/app/bin/tagpilot.js"]
CMD ["run", "--config", "/etc/tagpilot/config.yaml"]

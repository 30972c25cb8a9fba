# syntax=docker/dockerfile:1
# Campaign gateway image. Node major: the current Active LTS; .ci/run reads it from the FROM lines
# below and runs the test suite on that exact major, and .ci/docker-recipe replays this file without
# Docker. Keep both FROM lines on the same major.

FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:26-slim AS runtime
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
# Owned by root and not writable by the `node` user: the app writes nothing outside /tmp, so the
# container can run with --read-only (add --tmpfs /tmp if something needs scratch space).
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
COPY --from=build /app/dist ./dist
COPY schema.graphql ./
USER node
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (src/main.ts drains and exits 0).
CMD ["node", "dist/main.js"]

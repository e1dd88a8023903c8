# syntax=docker/dockerfile:1
# Webex Park Bot, production image. Build: docker build -t webex-park-bot .
# test/deploy/production-install.test.ts reads this file and does what the runtime stage does, outside
# a container: a file the bot needs and this file forgets fails that test.

# The current Node LTS, pinned: the release package.json's `node` gives the tests (a test checks they agree).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# --- build: every dependency, then TypeScript to dist/ ---------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# No install scripts: compiling needs none, and `prepare` would build before the sources are here.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY types ./types
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, the built bot and the files it reads ------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# npm start's allocator setting: glibc's malloc keeps at most two arenas, not eight per core, for the
# threads V8 compiles and collects on (6-10 MB less resident at 1,000 and 10,000 spaces, bench/README.md).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Pure JavaScript (SQLite is node:sqlite): nothing to compile, no install script to run. --omit on the
# command line replaces .npmrc's omit=optional, hence both (optional: the Webex SDK's React Native tree).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts
# The report's chart is drawn by resvg's WebAssembly build with DejaVu Sans, both installed above as
# ordinary dependencies (@resvg/resvg-wasm, dejavu-fonts-ttf): the slim image has no fonts of its own,
# and the bot never looks for system ones.
COPY --from=build /app/dist ./dist
# Adaptive Card templates, read at run time.
COPY cards ./cards
# The playground's page, served only when WEBEX_BOT_TOKEN is unset.
COPY src/playground/public ./src/playground/public
# The only places the bot writes: the SQLite database's folder (DATABASE_URL defaults to
# sqlite:./data/parkbot.db) and the delivery spool kept during a database outage (SPOOL_DIR defaults to
# ./data/spool). Mount volumes here to keep them (a volume takes its folder's owner and mode, 0700). Not VOLUMEs, so
# nobody gets stray anonymous volumes they did not ask for; compose.yaml asks for the spool's.
RUN mkdir -p /app/data/spool && chown -R node:node /app/data && chmod -R 700 /app/data

# The official image's unprivileged user; the application files stay root's, read-only to it.
USER node
EXPOSE 3000
# /healthz: the process answers. No curl in a slim image, so Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 (exec form, no npm, no shell) and receives SIGTERM itself: the bot stops taking
# webhook deliveries, finishes the parks and retrieves under way (up to 10 s), closes and exits 0.
# It starts no child processes, so there are none to reap and no init is needed.
STOPSIGNAL SIGTERM
# The heap flags of `npm start`.
CMD ["node", "--max-old-space-size=128", "--max-semi-space-size=8", "dist/main.js"]

# realtime-voice: one container with the Hono + Socket.IO server, the offline speech engine, the
# migrations, and the built H5 app. Build from the repository root:
#
#   docker build -t realtime-voice .
#   docker run --rm -p 8080:8080 -e AUTH_TOKEN_SECRET=... realtime-voice
#
# See docs/deploy-cloud-hosting.md. backend/test/dockerfile.test.ts checks what can be checked without
# a Docker engine (COPY sources, the CMD starting the bundled server, runtime dependencies).
#
# Build argument SHERPA_MODEL (default empty = no model): `--build-arg SHERPA_MODEL=bilingual-zh-en` bakes
# the sherpa-onnx bilingual Mandarin/English streaming model into the image (downloaded and checksummed by
# `npm run model:fetch` at build time, ~200 MB kept: int8 encoder/joiner + float decoder) together with
# sherpa-onnx-node, and sets SHERPA_MODEL_DIR; choose it per session or with ASR_ENGINE=sherpa-onnx.
# SHERPA_MODEL_SHA256 overrides the expected archive checksum (see docs/engines.md).
#
#   docker build --build-arg SHERPA_MODEL=bilingual-zh-en -t realtime-voice .
#
# Mirrors (e.g. in mainland China), see docs/deploy-cloud-hosting.md: NPM_REGISTRY is the npm registry the
# build installs from; DEBIAN_MIRROR replaces http://deb.debian.org in the runtime's apt sources (a mirror
# serving /debian and /debian-security, over http: the slim image has no CA certificates for apt).
#
#   docker build --build-arg NPM_REGISTRY=https://registry.example.cn/ \
#     --build-arg DEBIAN_MIRROR=http://mirrors.example.cn -t realtime-voice .
#
# NODE_IMAGE / NODE_SLIM_IMAGE name the base images (defaults: Docker Hub's official Node 20 images);
# `npm run image:test` builds from locally made stand-ins (scripts/image/base.sh).
ARG NODE_IMAGE=node:20-bookworm
ARG NODE_SLIM_IMAGE=node:20-bookworm-slim

# ---- build: install the workspace, bundle the server, build the H5 app --------------------------------
FROM ${NODE_IMAGE} AS build
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV npm_config_registry=${NPM_REGISTRY}
WORKDIR /src
# Manifests first so the npm ci layer is cached until dependencies change.
COPY package.json package-lock.json tsconfig.json ./
COPY shared/package.json shared/
COPY shared/socket.io-miniprogram/package.json shared/socket.io-miniprogram/
COPY backend/package.json backend/
COPY frontend/package.json frontend/
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded (python3/make/g++
# are in this image). koffi's binary is an optional dependency: never --omit=optional.
RUN npm ci --no-audit --no-fund
COPY shared shared
COPY backend backend
COPY frontend frontend
RUN npm run build -w @realtime-voice/backend
# The H5 app is served at / ; without a frontend source the server shows how to build it instead.
RUN if [ -f frontend/src/main.ts ]; then npm run build:h5 -w @realtime-voice/frontend; fi \
 && mkdir -p frontend/dist/build/h5

# ---- model (optional): the sherpa-onnx model, only with --build-arg SHERPA_MODEL=bilingual-zh-en -------
FROM build AS model
ARG SHERPA_MODEL=
ARG SHERPA_MODEL_SHA256=
# The engine prefers the int8 encoder/joiner and the float decoder; the other copies and test audio go.
RUN mkdir -p /models \
 && case "$SHERPA_MODEL" in \
      "") ;; \
      bilingual-zh-en) \
        npm run model:fetch -w @realtime-voice/backend -- --dir /models \
          ${SHERPA_MODEL_SHA256:+--sha256 "$SHERPA_MODEL_SHA256"} \
        && rm -rf /models/*/test_wavs /models/*/encoder-epoch-99-avg-1.onnx \
          /models/*/joiner-epoch-99-avg-1.onnx /models/*/decoder-epoch-99-avg-1.int8.onnx ;; \
      *) echo "SHERPA_MODEL must be empty or bilingual-zh-en, not $SHERPA_MODEL" >&2; exit 1 ;; \
    esac

# ---- deps: only the runtime (native) dependencies the bundle leaves external ---------------------------
FROM ${NODE_IMAGE} AS deps
ARG SHERPA_MODEL=
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV npm_config_registry=${NPM_REGISTRY}
WORKDIR /app
# dist/package.json is written by the build and lists exactly the externals (better-sqlite3, koffi),
# pinned to the versions in backend/package.json.
COPY --from=build /src/backend/dist/package.json ./package.json
COPY --from=build /src/backend/package.json /tmp/backend-package.json
# sherpa-onnx-node (native, ~32 MB) only when a model is baked in, at the version backend/package.json pins.
# better-sqlite3 needs only its .node file at run time: its SQLite sources and, when it was compiled here
# (no prebuilt binary reachable), the objects of the build go (~26 MB).
RUN npm install --omit=dev --no-audit --no-fund --no-package-lock \
 && if [ -n "$SHERPA_MODEL" ]; then \
      npm install --omit=dev --no-audit --no-fund --no-package-lock --no-save \
        "sherpa-onnx-node@$(node -p "require('/tmp/backend-package.json').optionalDependencies['sherpa-onnx-node']")"; \
    fi \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/ \
 && cd /app \
 && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------------
FROM ${NODE_SLIM_IMAGE} AS runtime
ARG DEBIAN_MIRROR=http://deb.debian.org
# pocketsphinx (libraries + US English model) is the default speech engine.
# No file capability to bind port 80 as non-root: it runs node in glibc's secure-execution mode, where
# MALLOC_ARENA_MAX (and Node's NODE_OPTIONS) are ignored — measured. Port 8080 needs none.
RUN sed -i "s|http://deb.debian.org|${DEBIAN_MIRROR%/}|g" /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends libpocketsphinx3 pocketsphinx-en-us \
 && rm -rf /var/lib/apt/lists/*
# One variable per ENV line, so that additions merge without conflicts.
ENV NODE_ENV=production
# MALLOC_ARENA_MAX: fewer glibc arenas keep freed memory from piling up (decision 0047: 16 MiB less idle RSS
# with the decoder pool; RSS after a burst returns to the idle level).
ENV MALLOC_ARENA_MAX=2
ENV PORT=8080
ENV AUTH_TRUST_WX_HEADERS=true
ENV DATABASE_URL=file:/app/data/realtime-voice.db
ENV STATIC_DIR=/app/public
# Temporary files (pocketsphinx's narrowed dictionary, removed at exit) stay inside the data directory.
ENV TMPDIR=/app/data/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/backend/dist/server.mjs /src/backend/dist/package.json ./dist/
COPY --from=build /src/backend/drizzle ./drizzle
# MySQL migrations (DATABASE_URL=mysql://… or Cloud Hosting's MYSQL_* variables: several instances).
COPY --from=build /src/backend/drizzle-mysql ./drizzle-mysql
# Empty unless built with SHERPA_MODEL; SHERPA_MODEL_DIR stays unset then (the engine says how to add one).
ARG SHERPA_MODEL=
COPY --from=model /models ./models
ENV SHERPA_MODEL_DIR=${SHERPA_MODEL:+/app/models/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20}
COPY --from=build /src/frontend/dist/build/h5 ./public
# SQLite lives here. Cloud Hosting has no persistent disk: it is lost when the instance goes away.
RUN mkdir -p /app/data/tmp && chown -R node:node /app/data
USER node
EXPOSE 8080
CMD ["node", "dist/server.mjs"]

# syntax=docker/dockerfile:1
# issue-agent's production image. test/docker/dockerfile.test.ts checks this file (every COPY
# source exists, the runtime stage installs nothing) and starts the app from the runtime
# stage's files, as this image does.

# Build stage: every dependency (the dev ones compile the app), better-sqlite3 built for this
# Node, the TypeScript compiled to dist/, then the dev dependencies pruned away.
FROM node:24-slim AS build
# node-gyp's toolchain: better-sqlite3 compiles from source when no prebuilt binary is available.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json \
  && npm prune --omit=dev \
  && npm cache clean --force

# Runtime stage: the production node_modules and the compiled app, copied from the build stage
# (no compiler, no npm install here), run as the non-root user `node`.
FROM node:24-slim
# HOST: listen on all interfaces, so `docker run -p` reaches the app (Probot alone binds to localhost).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json makes dist/ an ES module package; app.yml is the app's manifest (Probot's registration page).
COPY package.json app.yml ./
# The web view's stylesheet and script (src/web/assets.ts reads them from public/ui/).
COPY public ./public
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The compiled entry point itself: `npm start` (scripts/start.mjs) would look for src/ to rebuild.
CMD ["node", "dist/src/main.js"]

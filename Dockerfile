# The Cairn member image. Build: docker build -t cairn .
# Two stages: the first compiles TypeScript, the second carries only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY server ./server
RUN node scripts/gen-pb.mjs && npx tsc -p tsconfig.json && node scripts/copy-generated.mjs \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /opt/cairn
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/server ./dist/server
# etcd's conventional ports and data dir.
ENV ETCD_DATA_DIR=/var/lib/etcd
VOLUME /var/lib/etcd
EXPOSE 2379 2380
ENTRYPOINT ["node", "/opt/cairn/dist/server/src/main.js"]

# purser token server.
#   docker build -t purser .
#   docker run -p 5001:5001 -v purser-config:/etc/purser purser
# Mount your own acl.yml, users.htpasswd and certs/ under /etc/purser (see README, "Running in a container").

# Node 24, the maintained LTS line (Node 20 reached end of life in April 2026), in every stage. The
# code itself still runs on Node 20 or newer (package.json "engines").
# Build stage: compile TypeScript with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json

# Runtime stage: production dependencies and the compiled output only.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PURSER_LISTEN=0.0.0.0:5001 \
    PURSER_ACL=/etc/purser/acl.yml \
    PURSER_HTPASSWD=/etc/purser/users.htpasswd \
    PURSER_SIGNING_KEY=/etc/purser/certs/token.key \
    PURSER_SIGNING_CERT=/etc/purser/certs/token.crt
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
# The embedded defaults: an example ACL and a user file with no users (no password grants anything).
COPY --chown=node:node acl.yml users.htpasswd /etc/purser/
RUN mkdir -p /etc/purser/certs && chown node:node /etc/purser/certs && chmod 0700 /etc/purser/certs
USER node
EXPOSE 5001
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/src/cli/purser.js", "healthcheck"]
# Exec form: node is PID 1 and receives SIGTERM itself, finishing requests in flight before it exits.
ENTRYPOINT ["node", "dist/src/cli/purser.js"]
CMD ["serve"]

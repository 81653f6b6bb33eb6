import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Clock } from './clock.js';
import type { SnapshotStore } from './config/snapshot-store.js';
import { NotFoundError } from './errors.js';
import type { JwksCache } from './authn/federation/jwks-cache.js';
import type { Directory } from './authn/ldap/directory.js';
import type { PasswordVerifier } from './authn/password-verifier.js';
import type { GrantDeps } from './grant/issue-token.js';
import { errorHandler } from './http/error-handler.js';
import { securityHeaders } from './http/security-headers.js';
import { serviceRoutes } from './http/service-routes.js';
import { tokenEndpoint } from './http/token-endpoint.js';
import type { AuditSink } from './observe/audit.js';
import type { Logger } from './observe/logger.js';
import type { Metrics } from './observe/metrics.js';

export interface AppDeps {
  readonly store: SnapshotStore;
  readonly grant: GrantDeps;
  /** The password verifier, whose dummy hash and cache follow each new snapshot. */
  readonly passwords: PasswordVerifier;
  /** The LDAP directory, when PURSER_LDAP_URL is set: closed on shutdown, checked by the doctor. */
  readonly directory?: Directory | undefined;
  /** Trusted issuers' signing keys, fetched ahead when a snapshot comes into force. */
  readonly jwks: JwksCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly metrics: Metrics;
  /** The Prometheus exposition; with several workers, the primary's aggregate of all of them. */
  readonly metricsText: () => Promise<{ contentType: string; body: string }>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The whole HTTP surface, as one request handler; never listens (src/server.ts does, tests call it
 * in-process). /auth, on every pull and push, is served by the lean token endpoint; the other
 * endpoints (health, readiness, metrics, JWKS) and every unknown path go through Express.
 */
export function createApp(deps: AppDeps): RequestHandler {
  const headers = securityHeaders(deps.store.current().settings.tlsCertFile !== undefined);
  const token = tokenEndpoint(deps, headers);
  const app = express();
  app.set('query parser', false);
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.use((_req, res, next) => {
    res.set(headers);
    next();
  });
  app.use(serviceRoutes(deps));
  app.use(() => {
    throw new NotFoundError('no such endpoint; tokens are issued at /auth');
  });
  app.use(errorHandler(deps.logger, () => deps.store.current().settings.issuer));
  return (req, res) => {
    const url = req.url ?? '';
    if (url === '/auth' || url.startsWith('/auth?')) token(req, res);
    else app(req, res);
  };
}

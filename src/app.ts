import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Clock } from './clock.js';
import type { SnapshotStore } from './config/snapshot-store.js';
import { MethodNotAllowedError, NotFoundError } from './errors.js';
import type { GrantDeps } from './grant/issue-token.js';
import { errorHandler } from './http/error-handler.js';
import { serviceRoutes } from './http/service-routes.js';
import { tokenHandler } from './http/token-routes.js';
import type { AuditSink } from './observe/audit.js';
import type { Logger } from './observe/logger.js';
import type { Metrics } from './observe/metrics.js';

export interface AppDeps {
  readonly store: SnapshotStore;
  readonly grant: GrantDeps;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly metrics: Metrics;
  /** The Prometheus exposition; with several workers, the primary's aggregate of all of them. */
  readonly metricsText: () => Promise<{ contentType: string; body: string }>;
}

/** Routes and error mapping. Never listens: src/server.ts does that, tests call it in-process. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.set('query parser', false);
  app.set('etag', false);
  app.set('x-powered-by', false);
  // An API, not pages: nothing may be loaded or framed. HSTS only when purser itself serves TLS;
  // on plain HTTP it would pin browsers to an HTTPS port that is not there.
  const tls = deps.store.current().settings.tlsCertFile !== undefined;
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      strictTransportSecurity: tls ? { maxAge: 31_536_000 } : false,
    }),
  );

  app.get('/auth', tokenHandler(deps, 'GET'));
  app.post('/auth', tokenHandler(deps, 'POST'));
  app.all('/auth', () => {
    throw new MethodNotAllowedError('GET, POST');
  });
  app.use(serviceRoutes(deps));
  app.use(() => {
    throw new NotFoundError('no such endpoint; tokens are issued at /auth');
  });
  app.use(errorHandler(deps.logger, () => deps.store.current().settings.issuer));
  return app;
}

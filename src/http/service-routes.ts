import { Router } from 'express';
import type { AppDeps } from '../app.js';

/** /healthz, /readyz, /metrics and /.well-known/jwks.json. */
export function serviceRoutes(deps: AppDeps): Router {
  const router = Router();

  // Liveness: the process answers.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: a valid configuration is in force. A refused reload leaves the old one in force,
  // so readiness stays 200 (a bad edit must not take every replica out of its load balancer); the
  // body says that it failed and how many problems it had. It is unauthenticated, so it shows
  // counts only: the problems themselves name files and users, and go to the log.
  router.get('/readyz', (_req, res) => {
    const snapshot = deps.store.current();
    const { loadedAt, lastReload } = deps.store.status();
    res.json({
      status: 'ready',
      loadedAt,
      lastReload: lastReload ?? null,
      users: snapshot.users.size,
      rules: snapshot.acl.rules.length,
      kid: snapshot.kid,
    });
  });

  // With PURSER_METRICS_LISTEN, /metrics is served only on that listener (src/server.ts).
  if (deps.store.current().settings.metricsListen === undefined) {
    router.get('/metrics', async (_req, res) => {
      const { contentType, body } = await deps.metricsText();
      res.set('Content-Type', contentType).send(body);
    });
  }

  // The bundle's public keys with the key IDs tokens carry: registry 3's auth.token.jwks file.
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(deps.store.current().jwks);
  });

  return router;
}

import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type AppDeps } from './app.js';
import { answerClientError } from './http/client-error.js';
import { ConnectionLimit } from './http/connection-limit.js';
import { closeIfSilent } from './http/silent-connection.js';
import { CredentialCache } from './authn/credential-cache.js';
import { PasswordVerifier } from './authn/password-verifier.js';
import { systemClock, type Clock } from './clock.js';
import { registrySnippet } from './config/registry-snippet.js';
import type { Settings } from './config/settings.js';
import { Reloader, type ReloadOutcome } from './config/reloader.js';
import { buildSnapshot, type Snapshot } from './config/snapshot.js';
import { SnapshotStore } from './config/snapshot-store.js';
import { ensureSigningKey, readSources } from './config/source-files.js';
import { createAuditLog, type AuditLog } from './observe/audit.js';
import type { Logger } from './observe/logger.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { createThrottle } from './throttle/create-throttle.js';
import { Throttle } from './throttle/throttle.js';

export interface RunningServer {
  readonly server: Server | TlsServer;
  readonly port: number;
  readonly store: SnapshotStore;
  readonly deps: AppDeps;
  /** Rebuilds the configuration from the files (SIGHUP does this). */
  reload(reason: string): Promise<ReloadOutcome>;
  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), then resolves. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly metrics?: Metrics;
  /** Where /metrics comes from; a cluster worker asks the primary for everyone's. */
  readonly metricsText?: AppDeps['metricsText'];
}

/** Loads the configuration, builds the app and listens. Throws ConfigError if the configuration is unusable. */
export async function startServer(settings: Settings, options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  if (await ensureSigningKey(settings)) {
    logger.warn(
      { key: settings.signingKeyFile, cert: settings.signingCertFile },
      `no signing key was found, so a new RSA key and self-signed certificate were made. Give the registry this certificate and configuration:\n${registrySnippet(settings)}`,
    );
  }
  const snapshot = buildSnapshot(settings, await readSources(settings));
  const store = new SnapshotStore(snapshot);
  const metrics = options.metrics ?? createMetrics();
  const throttling = createThrottle(settings, { clock, metrics, logger });
  const auditLog = createAuditLog(logger, settings.auditLogFile, {
    onDrop: (lines) => metrics.auditDropped.inc(lines),
    onError: () => metrics.auditWriteErrors.inc(),
  });
  const built = buildDeps(settings, store, { logger, clock, metrics, throttle: throttling.throttle, auditLog });
  const deps = options.metricsText === undefined ? built : { ...built, metricsText: options.metricsText };
  observeSnapshot(snapshot, deps);

  const app = createApp(deps);
  const limits = { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 };
  const server = snapshot.tls === undefined ? createServer(limits, app) : createTlsServer({ ...limits, ...tlsOptions(snapshot.tls) }, app);
  server.keepAliveTimeout = 5_000;
  server.maxConnections = settings.maxConnections;
  server.on('clientError', answerClientError);
  const reloader = new Reloader(settings, store, {
    logger,
    metrics,
    onSwap: (next, previous) => {
      observeSnapshot(next, deps);
      if (next.tls !== undefined && next.versions.tls !== previous.versions.tls && 'setSecureContext' in server) {
        server.setSecureContext(tlsOptions(next.tls));
      }
    },
  });
  const sockets = new Set<Socket>();
  const perAddress = new ConnectionLimit(settings.maxConnectionsPerIp, settings.trustedProxies);
  // Past server.maxConnections, Node closes the connection before 'connection' and emits 'drop'.
  server.on('drop', () => metrics.connectionsRefused.inc({ reason: 'total' }));
  server.on('connection', (socket: Socket) => {
    const release = perAddress.admit(socket.remoteAddress);
    if (release === undefined) {
      metrics.connectionsRefused.inc({ reason: 'per_address' });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    metrics.openConnections.inc();
    closeIfSilent(socket, limits.headersTimeout, () => metrics.connectionsRefused.inc({ reason: 'silent' }));
    socket.on('close', () => {
      release();
      sockets.delete(socket);
      metrics.openConnections.dec();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.listen.port, settings.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  await reloader.start();
  logger.info(
    { host: settings.listen.host, port, tls: snapshot.tls !== undefined, kid: snapshot.kid, services: settings.services },
    'purser is listening',
  );

  const close = async (): Promise<void> => {
    reloader.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, settings.shutdownTimeout * 1000);
    await closed;
    clearTimeout(timer);
    await throttling.close();
    await auditLog.close();
  };
  return { server, port, store, deps, close, reload: (reason) => reloader.reload(reason) };
}

/** TLS 1.2 at least; Node's defaults for the rest. */
function tlsOptions(tls: { key: string; cert: string }) {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' as const };
}

export function buildDeps(
  settings: Settings,
  store: SnapshotStore,
  parts: { logger: Logger; clock: Clock; metrics: Metrics; throttle?: Throttle; auditLog?: AuditLog },
): AppDeps {
  const { logger, clock, metrics } = parts;
  const cache = new CredentialCache(settings.authCacheTtl, settings.authCacheSize, clock);
  const passwords = new PasswordVerifier(cache, {
    onBcrypt: (seconds) => metrics.passwordVerification.observe(seconds),
    onCacheLookup: (hit) => metrics.credentialCache.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const throttle = parts.throttle ?? createThrottle(settings, { clock, metrics, logger }).throttle;
  return {
    store,
    clock,
    logger,
    metrics,
    audit: (parts.auditLog ?? createAuditLog(logger, settings.auditLogFile)).sink,
    grant: {
      clock,
      passwords,
      throttle,
      onFailure: (reason) => metrics.authenticationFailures.inc({ reason }),
    },
    metricsText: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
  };
}

/** Work to do whenever a snapshot comes into force. */
export function observeSnapshot(snapshot: Snapshot, deps: AppDeps): void {
  deps.grant.passwords.prepare(snapshot.dummyCost);
  deps.grant.passwords.cache.retain(snapshot.users);
  const certificate = snapshot.signing.certificates[0];
  if (certificate !== undefined) {
    const expires = new Date(certificate.validTo);
    deps.metrics.signingCertificateExpiry.set(expires.getTime() / 1000);
    const days = (expires.getTime() - deps.clock.now()) / 86_400_000;
    if (days < 30) {
      deps.logger.warn(
        { expires: expires.toISOString(), cert: snapshot.settings.signingCertFile },
        days < 0
          ? 'the token signing certificate has expired: registries reject its tokens; run purser certs rotate'
          : 'the token signing certificate expires in under 30 days; run purser certs rotate',
      );
    }
  }
}

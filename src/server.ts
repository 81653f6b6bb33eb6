import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type AppDeps } from './app.js';
import { answerClientError } from './http/client-error.js';
import { createMetricsServer } from './http/metrics-listener.js';
import { ConnectionLimit } from './http/connection-limit.js';
import { closeIfSilent } from './http/silent-connection.js';
import { CredentialCache } from './authn/credential-cache.js';
import { ApiTokenSource } from './authn/api-token-source.js';
import { FederationSource } from './authn/federation/federation-source.js';
import { JwksCache } from './authn/federation/jwks-cache.js';
import { Directory } from './authn/ldap/directory.js';
import { LdapSource } from './authn/ldap/ldap-source.js';
import { IdentityChain } from './authn/chain.js';
import { ConcurrencyLimiter } from './authn/concurrency-limiter.js';
import { HtpasswdSource } from './authn/htpasswd-source.js';
import { PasswordVerifier } from './authn/password-verifier.js';
import { RefreshTokenSource } from './authn/refresh-token-source.js';
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
  /** The port of PURSER_METRICS_LISTEN's listener, when there is one. */
  readonly metricsPort: number | undefined;
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
  const metricsServer = settings.metricsListen === undefined ? undefined : createMetricsServer(deps.metricsText);
  if (metricsServer !== undefined && settings.metricsListen !== undefined) {
    const { host, port: metricsPort } = settings.metricsListen;
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(metricsPort, host, () => {
        metricsServer.off('error', reject);
        resolve();
      });
    });
  }
  await reloader.start();
  logger.info(
    { host: settings.listen.host, port, tls: snapshot.tls !== undefined, kid: snapshot.kid, services: settings.services },
    'purser is listening',
  );

  const close = async (): Promise<void> => {
    reloader.stop();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, settings.shutdownTimeout * 1000);
    await closed;
    clearTimeout(timer);
    await throttling.close();
    await deps.directory?.close();
    await auditLog.close();
  };
  const metricsPort = metricsServer === undefined ? undefined : (metricsServer.address() as AddressInfo).port;
  return { server, port, metricsPort, store, deps, close, reload: (reason) => reloader.reload(reason) };
}

/** TLS 1.2 at least; Node's defaults for the rest. */
function tlsOptions(tls: { key: string; cert: string }) {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' as const };
}

export function buildDeps(
  settings: Settings,
  store: SnapshotStore,
  parts: { logger: Logger; clock: Clock; metrics: Metrics; throttle?: Throttle; auditLog?: AuditLog; jwks?: JwksCache },
): AppDeps {
  const { logger, clock, metrics } = parts;
  const cache = new CredentialCache(settings.authCacheTtl, settings.authCacheSize, clock);
  const limiter = new ConcurrencyLimiter(settings.bcrypt, {
    onChange: (running, waiting) => {
      metrics.bcryptRunning.set(running);
      metrics.bcryptWaiting.set(waiting);
    },
    onReject: () => metrics.bcryptRejected.inc(),
  });
  const passwords = new PasswordVerifier(cache, limiter, {
    onBcrypt: (seconds) => metrics.passwordVerification.observe(seconds),
    onCacheLookup: (hit) => metrics.credentialCache.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const throttle = parts.throttle ?? createThrottle(settings, { clock, metrics, logger }).throttle;
  // Order matters: tokens are recognised by their shape before any password is checked, and a
  // local user wins over a directory user of the same name.
  const ldap = settings.ldap === undefined ? undefined : ldapSource(settings, { clock, metrics, logger });
  const jwks = parts.jwks ?? new JwksCache({ onFetchError: (issuer, err) => logger.warn({ issuer, err: err.message }, 'cannot fetch the signing keys of a trusted issuer; its last good keys, if any, stay in use') });
  const chain = new IdentityChain([new ApiTokenSource(), new RefreshTokenSource(), new FederationSource(jwks), new HtpasswdSource(passwords), ...(ldap ? [ldap] : [])], {
    clock,
    throttle,
    verifier: passwords,
  });
  return {
    store,
    clock,
    logger,
    metrics,
    audit: (parts.auditLog ?? createAuditLog(logger, settings.auditLogFile)).sink,
    passwords,
    directory: ldap?.directory,
    jwks,
    grant: {
      clock,
      chain,
      onFailure: (kind) => metrics.authenticationFailures.inc({ reason: kind }),
    },
    metricsText: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
  };
}

/** The directory source, with its availability in the log and metrics. */
function ldapSource(settings: Settings, parts: { clock: Clock; metrics: Metrics; logger: Logger }): LdapSource {
  const { metrics, logger } = parts;
  const ldap = settings.ldap as NonNullable<Settings['ldap']>;
  metrics.ldapUp.set(1);
  const directory = new Directory(ldap, {
    onAvailability: (up, error) => {
      metrics.ldapUp.set(up ? 1 : 0);
      if (up) logger.info({ urls: ldap.urls }, 'the LDAP directory answers again');
      else logger.error({ urls: ldap.urls, err: error?.message }, 'no LDAP directory answers: directory users are refused until one does; everyone else is served');
    },
  });
  return new LdapSource(directory, {
    cacheTtlSeconds: settings.authCacheTtl,
    cacheSize: settings.authCacheSize,
    clock: parts.clock,
    onDirectoryError: () => metrics.ldapErrors.inc(),
  });
}

/** Work to do whenever a snapshot comes into force. */
export function observeSnapshot(snapshot: Snapshot, deps: AppDeps): void {
  deps.passwords.prepare(snapshot.slowestCost);
  deps.jwks.warm(snapshot.federation);
  deps.passwords.cache.retain(snapshot.users);
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

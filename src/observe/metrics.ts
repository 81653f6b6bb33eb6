import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric purser exports; all names start with `purser_`. */
export interface Metrics {
  readonly registry: Registry;
  readonly tokenRequests: Counter<'outcome' | 'grant_type'>;
  readonly tokenRequestDuration: Histogram<'grant_type'>;
  readonly authenticationFailures: Counter<'reason'>;
  readonly passwordVerification: Histogram;
  readonly credentialCache: Counter<'result'>;
  readonly throttled: Counter<'key'>;
  readonly configReloads: Counter<'result'>;
  readonly configReloadFailures: Counter;
  readonly signingCertificateExpiry: Gauge;
  readonly redisErrors: Counter;
  readonly redisUp: Gauge;
  readonly auditDropped: Counter;
  readonly auditWriteErrors: Counter;
  readonly connectionsRefused: Counter<'reason'>;
  readonly openConnections: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'purser_' });
  const registers = [registry];
  return {
    registry,
    tokenRequests: new Counter({
      name: 'purser_token_requests_total',
      help: 'Token requests by outcome (granted, denied_all, failed, throttled, invalid, error) and grant type',
      labelNames: ['outcome', 'grant_type'],
      registers,
    }),
    tokenRequestDuration: new Histogram({
      name: 'purser_token_request_duration_seconds',
      help: 'Time to answer a token request',
      labelNames: ['grant_type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    authenticationFailures: new Counter({
      name: 'purser_authentication_failures_total',
      help: 'Failed logins by cause (unknown_user, wrong_password, invalid_refresh_token, ...)',
      labelNames: ['reason'],
      registers,
    }),
    passwordVerification: new Histogram({
      name: 'purser_password_verification_seconds',
      help: 'Time spent in bcrypt per password check',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    credentialCache: new Counter({
      name: 'purser_credential_cache_total',
      help: 'Verified-credential cache lookups by result (hit, miss)',
      labelNames: ['result'],
      registers,
    }),
    throttled: new Counter({
      name: 'purser_throttled_requests_total',
      help: 'Requests refused with 429 because their client IP or account was locked',
      labelNames: ['key'],
      registers,
    }),
    configReloads: new Counter({
      name: 'purser_config_reloads_total',
      help: 'Configuration reloads by result (success, failure)',
      labelNames: ['result'],
      registers,
    }),
    configReloadFailures: new Counter({
      name: 'purser_config_reload_failures_total',
      help: 'Reloads refused because a new file was invalid; the last good configuration stayed in force',
      registers,
    }),
    signingCertificateExpiry: new Gauge({
      name: 'purser_signing_certificate_expiry_timestamp_seconds',
      help: 'When the current token signing certificate expires (Unix time)',
      registers,
    }),
    redisErrors: new Counter({
      name: 'purser_redis_errors_total',
      help: 'Redis operations that failed; throttling fell back to in-process memory',
      registers,
    }),
    auditDropped: new Counter({
      name: 'purser_audit_lines_dropped_total',
      help: 'Audit lines dropped because the audit file could not be written fast enough',
      registers,
    }),
    auditWriteErrors: new Counter({
      name: 'purser_audit_write_errors_total',
      help: 'Failed writes to the audit file (PURSER_AUDIT_LOG); they are retried',
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'purser_connections_refused_total',
      help: 'Connections closed unserved: per_address (PURSER_MAX_CONNECTIONS_PER_IP), total (PURSER_MAX_CONNECTIONS), silent (sent nothing in time)',
      labelNames: ['reason'],
      registers,
    }),
    openConnections: new Gauge({
      name: 'purser_open_connections',
      help: 'Client connections open now',
      registers,
    }),
    redisUp: new Gauge({
      name: 'purser_redis_up',
      help: '1 when the Redis throttling store is reachable, 0 when not (or not configured)',
      registers,
    }),
  };
}

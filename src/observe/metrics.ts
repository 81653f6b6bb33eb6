import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric purser exports; all names start with `purser_`. */
export interface Metrics {
  readonly registry: Registry;
  readonly tokenRequests: Counter<'outcome' | 'grant_type' | 'source'>;
  readonly tokenRequestDuration: Histogram<'grant_type'>;
  readonly authenticationFailures: Counter<'reason'>;
  readonly passwordVerification: Histogram;
  readonly bcryptRunning: Gauge;
  readonly bcryptWaiting: Gauge;
  readonly bcryptRejected: Counter;
  readonly credentialCache: Counter<'result'>;
  readonly grantReuse: Counter;
  readonly throttled: Counter<'key'>;
  readonly configReloads: Counter<'result'>;
  readonly configReloadFailures: Counter;
  readonly signingCertificateExpiry: Gauge;
  readonly redisErrors: Counter;
  readonly redisUp: Gauge;
  readonly ldapUp: Gauge;
  readonly ldapErrors: Counter;
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
      help: 'Token requests by outcome (granted, denied_all, failed, throttled, busy, invalid, aborted, error), grant type and identity source (none when no identity was established)',
      labelNames: ['outcome', 'grant_type', 'source'],
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
      help: 'Failed logins by the kind of credential presented (password, refresh_token); the cause is in the audit log only, so this never tells whether a user exists',
      labelNames: ['reason'],
      registers,
    }),
    passwordVerification: new Histogram({
      name: 'purser_password_verification_seconds',
      help: 'Time spent in bcrypt per password check',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    bcryptRunning: new Gauge({
      name: 'purser_bcrypt_running',
      help: 'bcrypt comparisons running now (bounded by PURSER_BCRYPT_CONCURRENCY)',
      registers,
    }),
    bcryptWaiting: new Gauge({
      name: 'purser_bcrypt_queue_length',
      help: 'Password checks waiting for a bcrypt slot (bounded by PURSER_BCRYPT_QUEUE)',
      registers,
    }),
    bcryptRejected: new Counter({
      name: 'purser_bcrypt_rejected_total',
      help: 'Password checks refused with 503 because the bcrypt queue was full or the wait too long',
      registers,
    }),
    grantReuse: new Counter({
      name: 'purser_grant_reuse_total',
      help: 'Token requests answered with a token signed for an identical grant shortly before (PURSER_GRANT_REUSE)',
      registers,
    }),
    credentialCache: new Counter({
      name: 'purser_credential_cache_total',
      help: 'Verified-credential cache lookups by result (hit, miss); every password login is looked up, known user or not',
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
    ldapUp: new Gauge({
      name: 'purser_ldap_up',
      help: '1 while the LDAP directory answers, 0 while none of PURSER_LDAP_URL does (absent without LDAP)',
      registers,
    }),
    ldapErrors: new Counter({
      name: 'purser_ldap_errors_total',
      help: 'Logins and look-ups that failed because no directory answered',
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

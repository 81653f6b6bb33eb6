import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseIpRange, type IpRange } from '../authz/ip-range.js';
import type { KidFormat } from '../token/key-id.js';
import { parseDuration } from './duration.js';
import { ldapSettings, type LdapSettings } from './ldap-settings.js';

/** Failed-login throttling for one kind of key (client IP or account). */
export interface ThrottlePolicy {
  /** Failed logins allowed within `window` seconds before the key is locked. */
  readonly max: number;
  readonly window: number;
  /** First lock, in seconds; each further failure while counting doubles it, up to `maxLock`. */
  readonly lock: number;
  readonly maxLock: number;
}

/** Every setting purser reads from its environment, validated, with defaults applied. */
export interface Settings {
  readonly listen: { readonly host: string; readonly port: number };
  readonly issuer: string;
  /** Accepted service names; the first is used when a request names none. */
  readonly services: readonly string[];
  readonly tokenTtl: number;
  /** Seconds within which identical grants share one signed token; 0: every token is signed anew. */
  readonly grantReuse: number;
  readonly refreshTtl: number;
  readonly kidFormat: KidFormat;
  readonly signingKeyFile: string;
  readonly signingCertFile: string;
  readonly htpasswdFile: string;
  readonly aclFile: string;
  /** API tokens (PURSER_API_TOKENS); a missing file is no API tokens. */
  readonly apiTokensFile: string;
  /** Trusted OIDC issuers (PURSER_FEDERATION); a missing file trusts none. */
  readonly federationFile: string;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly logLevel: string;
  readonly auditLogFile: string | undefined;
  readonly trustedProxies: readonly IpRange[];
  readonly redisUrl: string | undefined;
  readonly throttle: { readonly ip: ThrottlePolicy; readonly account: ThrottlePolicy };
  /** Bounds on bcrypt work, so that hashing never starves signing of libuv's threads. */
  readonly bcrypt: { readonly concurrency: number; readonly queueLimit: number; readonly maxWaitMs: number };
  /** Where /metrics is served instead of the main listener; undefined: on the main listener. */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  /** Browser origins allowed to call /auth (CORS); exact matches only. */
  readonly corsOrigins: readonly string[];
  /** The LDAP identity source, when PURSER_LDAP_URL is set. */
  readonly ldap: LdapSettings | undefined;
  readonly authCacheTtl: number;
  readonly authCacheSize: number;
  readonly workers: number;
  readonly reloadInterval: number;
  /**
   * Seconds a configuration file must have been left alone before it is used; 0 uses it at once
   * (a file that changes while it is read is still read again).
   */
  readonly reloadSettle: number;
  readonly shutdownTimeout: number;
  /** Open connections at most, per process (server.maxConnections). */
  readonly maxConnections: number;
  /** Open connections at most from one client address; trusted proxies are not limited. */
  readonly maxConnectionsPerIp: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads settings from `env`: parse, validate (every problem names its variable), apply defaults,
 * resolve paths against `cwd`, freeze. Throws ConfigError listing every problem at once.
 */
export function loadSettings(env: Env, cwd: string = process.cwd()): Settings {
  const issues: ConfigIssue[] = [];
  const fail = (name: string, message: string): void => {
    issues.push({ file: 'environment', path: name, message });
  };
  const str = (name: string, fallback: string): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  };
  const optional = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const seconds = (name: string, fallback: string, min: number): number => {
    const text = str(name, fallback);
    const value = parseDuration(text);
    if (value === undefined) fail(name, `${JSON.stringify(text)} is not a duration (seconds, or a number with s, m, h or d)`);
    else if (value < min) fail(name, `must be at least ${min} seconds`);
    return value ?? 0;
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const text = str(name, String(fallback));
    if (!/^[0-9]+$/.test(text) || Number(text) < min) fail(name, `must be a whole number of at least ${min}`);
    return Number(text);
  };
  const path = (name: string, fallback: string): string => resolve(cwd, str(name, fallback));

  const listen = parseListen(str('PURSER_LISTEN', '0.0.0.0:5001'), (m) => fail('PURSER_LISTEN', m));
  const services = str('PURSER_SERVICE', 'Docker registry')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (services.length === 0) fail('PURSER_SERVICE', 'must name at least one service');

  const kidFormat = str('PURSER_KID_FORMAT', 'libtrust');
  if (kidFormat !== 'libtrust' && kidFormat !== 'thumbprint') fail('PURSER_KID_FORMAT', 'must be libtrust or thumbprint');

  const logLevel = str('PURSER_LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) fail('PURSER_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const trustedProxies: IpRange[] = [];
  for (const item of str('PURSER_TRUSTED_PROXIES', '').split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      trustedProxies.push(parseIpRange(item));
    } catch (err) {
      fail('PURSER_TRUSTED_PROXIES', (err as Error).message);
    }
  }

  const tlsCertFile = optional('PURSER_TLS_CERT');
  const tlsKeyFile = optional('PURSER_TLS_KEY');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    fail(tlsCertFile ? 'PURSER_TLS_KEY' : 'PURSER_TLS_CERT', 'PURSER_TLS_CERT and PURSER_TLS_KEY must be set together');
  }

  const workersText = str('PURSER_WORKERS', '1');
  let workers = 1;
  if (workersText === 'auto') workers = availableParallelism();
  else if (/^[1-9][0-9]*$/.test(workersText) && Number(workersText) <= 64) workers = Number(workersText);
  else fail('PURSER_WORKERS', 'must be auto or a number from 1 to 64');

  const policy = (kind: 'IP' | 'ACCOUNT', max: number, window: string, lock: string, maxLock: string): ThrottlePolicy => ({
    max: integer(`PURSER_THROTTLE_${kind}_MAX`, max, 1),
    window: seconds(`PURSER_THROTTLE_${kind}_WINDOW`, window, 1),
    lock: seconds(`PURSER_THROTTLE_${kind}_LOCK`, lock, 1),
    maxLock: seconds(`PURSER_THROTTLE_${kind}_MAX_LOCK`, maxLock, 1),
  });

  const metricsText = optional('PURSER_METRICS_LISTEN');
  const metricsListen = metricsText === undefined ? undefined : parseListen(metricsText, (m) => fail('PURSER_METRICS_LISTEN', m));
  const corsOrigins: string[] = [];
  for (const origin of str('PURSER_CORS_ORIGINS', '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (exactOrigin(origin)) corsOrigins.push(origin);
    else fail('PURSER_CORS_ORIGINS', `${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path; "*" is not allowed)`);
  }

  const ldap = ldapSettings({ optional, seconds, path, fail });

  const settings: Settings = {
    listen,
    issuer: str('PURSER_ISSUER', 'purser'),
    services,
    tokenTtl: seconds('PURSER_TOKEN_TTL', '300', 60),
    grantReuse: seconds('PURSER_GRANT_REUSE', '0', 0),
    refreshTtl: seconds('PURSER_REFRESH_TTL', '90d', 60),
    kidFormat: kidFormat as KidFormat,
    signingKeyFile: path('PURSER_SIGNING_KEY', 'certs/token.key'),
    signingCertFile: path('PURSER_SIGNING_CERT', 'certs/token.crt'),
    htpasswdFile: path('PURSER_HTPASSWD', 'users.htpasswd'),
    aclFile: path('PURSER_ACL', 'acl.yml'),
    apiTokensFile: path('PURSER_API_TOKENS', 'api-tokens.yml'),
    federationFile: path('PURSER_FEDERATION', 'federation.yml'),
    tlsCertFile: tlsCertFile && resolve(cwd, tlsCertFile),
    tlsKeyFile: tlsKeyFile && resolve(cwd, tlsKeyFile),
    logLevel,
    auditLogFile: optional('PURSER_AUDIT_LOG') && resolve(cwd, optional('PURSER_AUDIT_LOG') as string),
    trustedProxies,
    redisUrl: optional('PURSER_REDIS_URL'),
    throttle: {
      ip: policy('IP', 10, '60', '60', '900'),
      account: policy('ACCOUNT', 30, '60', '5', '15'),
    },
    bcrypt: {
      concurrency: integer('PURSER_BCRYPT_CONCURRENCY', 2, 1),
      queueLimit: integer('PURSER_BCRYPT_QUEUE', 100, 0),
      maxWaitMs: 10_000,
    },
    metricsListen,
    corsOrigins,
    ldap,
    authCacheTtl: seconds('PURSER_AUTH_CACHE_TTL', '60', 0),
    authCacheSize: integer('PURSER_AUTH_CACHE_SIZE', 10_000, 0),
    workers,
    reloadInterval: seconds('PURSER_RELOAD_INTERVAL', '5', 0),
    reloadSettle: seconds('PURSER_RELOAD_SETTLE', '2', 0),
    shutdownTimeout: seconds('PURSER_SHUTDOWN_TIMEOUT', '10', 0),
    maxConnections: integer('PURSER_MAX_CONNECTIONS', 10_000, 1),
    maxConnectionsPerIp: integer('PURSER_MAX_CONNECTIONS_PER_IP', 256, 1),
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(settings);
}

function parseListen(text: string, fail: (message: string) => void): { host: string; port: number } {
  // host:port, [v6]:port, or :port for every interface.
  const match = /^(?:\[([^\]]+)\]|([^:]*)):([0-9]{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    fail(`${JSON.stringify(text)} is not host:port`);
    return { host: '0.0.0.0', port: 5001 };
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** `https://ui.example.com` or `http://localhost:8080`: what a browser sends as Origin. */
function exactOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

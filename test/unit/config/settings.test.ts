import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { ConfigError } from '../../../src/errors.js';

function refusedFor(env: Record<string, string>, variable: string, message: RegExp): void {
  assert.throws(
    () => loadSettings(env, '/srv/purser'),
    (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path === variable && message.test(i.message)),
  );
}

describe('settings from the environment', () => {
  test('the embedded defaults', () => {
    const s = loadSettings({}, '/srv/purser');
    assert.deepEqual(s.listen, { host: '0.0.0.0', port: 5001 });
    assert.equal(s.issuer, 'purser');
    assert.deepEqual(s.services, ['Docker registry']);
    assert.equal(s.tokenTtl, 300);
    assert.equal(s.refreshTtl, 90 * 86400);
    assert.equal(s.kidFormat, 'libtrust');
    assert.equal(s.signingKeyFile, '/srv/purser/certs/token.key');
    assert.equal(s.signingCertFile, '/srv/purser/certs/token.crt');
    assert.equal(s.htpasswdFile, '/srv/purser/users.htpasswd');
    assert.equal(s.aclFile, '/srv/purser/acl.yml');
    assert.equal(s.workers, 1);
    assert.equal(s.authCacheTtl, 60);
    assert.deepEqual(s.trustedProxies, []);
    assert.equal(s.throttle.ip.max, 10);
    assert.equal(s.throttle.ip.window, 60);
    assert.ok(s.throttle.account.max > s.throttle.ip.max, 'the account limit is softer than the IP limit');
    assert.ok(s.throttle.account.maxLock < s.throttle.ip.lock, 'an account lock is short');
    assert.equal(s.reloadSettle, 2);
    assert.equal(s.maxConnections, 10_000);
    assert.equal(s.maxConnectionsPerIp, 256);
    assert.equal(Object.isFrozen(s), true);
    assert.equal(Object.isFrozen(s.listen), true);
  });

  test('services are comma-separated, spaces around commas ignored', () => {
    assert.deepEqual(loadSettings({ PURSER_SERVICE: 'Docker registry , staging,  prod ' }).services, ['Docker registry', 'staging', 'prod']);
  });

  test('listen addresses, durations and paths', () => {
    const s = loadSettings(
      { PURSER_LISTEN: '[::1]:8443', PURSER_TOKEN_TTL: '10m', PURSER_REFRESH_TTL: '30d', PURSER_ACL: '/etc/purser/acl.yml', PURSER_HTPASSWD: 'conf/users' },
      '/srv',
    );
    assert.deepEqual(s.listen, { host: '::1', port: 8443 });
    assert.equal(s.tokenTtl, 600);
    assert.equal(s.refreshTtl, 30 * 86400);
    assert.equal(s.aclFile, '/etc/purser/acl.yml');
    assert.equal(s.htpasswdFile, '/srv/conf/users');
    assert.deepEqual(loadSettings({ PURSER_LISTEN: ':5001' }).listen, { host: '0.0.0.0', port: 5001 });
  });

  test('the reload settle time is a duration; 0 turns the wait off', () => {
    assert.equal(loadSettings({ PURSER_RELOAD_SETTLE: '0' }).reloadSettle, 0);
    assert.equal(loadSettings({ PURSER_RELOAD_SETTLE: '5s' }).reloadSettle, 5);
    assert.equal(loadSettings({ PURSER_RELOAD_SETTLE: '1m' }).reloadSettle, 60);
  });

  test('connection caps', () => {
    const s = loadSettings({ PURSER_MAX_CONNECTIONS: '500', PURSER_MAX_CONNECTIONS_PER_IP: '20' });
    assert.equal(s.maxConnections, 500);
    assert.equal(s.maxConnectionsPerIp, 20);
  });

  test('a token lifetime under 60 seconds is a startup error', () => {
    refusedFor({ PURSER_TOKEN_TTL: '59' }, 'PURSER_TOKEN_TTL', /at least 60 seconds/);
    assert.equal(loadSettings({ PURSER_TOKEN_TTL: '60' }).tokenTtl, 60);
  });

  const bad: Array<[Record<string, string>, string, RegExp]> = [
    [{ PURSER_LISTEN: 'localhost' }, 'PURSER_LISTEN', /host:port/],
    [{ PURSER_LISTEN: '0.0.0.0:70000' }, 'PURSER_LISTEN', /host:port/],
    [{ PURSER_TOKEN_TTL: 'five' }, 'PURSER_TOKEN_TTL', /not a duration/],
    [{ PURSER_SERVICE: ' , ' }, 'PURSER_SERVICE', /at least one/],
    [{ PURSER_KID_FORMAT: 'sha256' }, 'PURSER_KID_FORMAT', /libtrust or thumbprint/],
    [{ PURSER_LOG_LEVEL: 'loud' }, 'PURSER_LOG_LEVEL', /one of/],
    [{ PURSER_TRUSTED_PROXIES: '10.0.0.0/8, nope' }, 'PURSER_TRUSTED_PROXIES', /not an IP/],
    [{ PURSER_TLS_CERT: 'a.crt' }, 'PURSER_TLS_KEY', /together/],
    [{ PURSER_WORKERS: '0' }, 'PURSER_WORKERS', /auto or a number/],
    [{ PURSER_THROTTLE_IP_MAX: '0' }, 'PURSER_THROTTLE_IP_MAX', /at least 1/],
    [{ PURSER_RELOAD_SETTLE: '2 seconds' }, 'PURSER_RELOAD_SETTLE', /not a duration/],
    [{ PURSER_RELOAD_SETTLE: '-1' }, 'PURSER_RELOAD_SETTLE', /not a duration/],
    [{ PURSER_MAX_CONNECTIONS: '0' }, 'PURSER_MAX_CONNECTIONS', /whole number of at least 1/],
    [{ PURSER_MAX_CONNECTIONS: 'lots' }, 'PURSER_MAX_CONNECTIONS', /whole number of at least 1/],
    [{ PURSER_MAX_CONNECTIONS_PER_IP: '0' }, 'PURSER_MAX_CONNECTIONS_PER_IP', /whole number of at least 1/],
    [{ PURSER_MAX_CONNECTIONS_PER_IP: '2.5' }, 'PURSER_MAX_CONNECTIONS_PER_IP', /whole number of at least 1/],
  ];
  for (const [env, variable, message] of bad) {
    test(`refuses ${JSON.stringify(env)} naming ${variable}`, () => refusedFor(env, variable, message));
  }

  test('reports every bad variable at once', () => {
    assert.throws(
      () => loadSettings({ PURSER_TOKEN_TTL: '1', PURSER_KID_FORMAT: 'x' }),
      (err: unknown) => err instanceof ConfigError && err.issues.length === 2,
    );
  });
});

describe('the settings table of docs/configuration.md', () => {
  test('names every PURSER_* variable the code reads, and none it does not', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { REPO_ROOT, readmeSettings } = await import('../deploy/deploy-files.js');
    const { readdirSync } = await import('node:fs');
    const dir = join(REPO_ROOT, 'src', 'config');
    const source = readdirSync(dir).filter((f) => /settings\.ts$/.test(f)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const read = new Set([...source.matchAll(/'(PURSER_[A-Z0-9_]+)'/g)].map((m) => m[1] as string));
    // The throttle variables are built from a template: PURSER_THROTTLE_${kind}_MAX and so on.
    for (const kind of ['IP', 'ACCOUNT']) for (const part of ['MAX', 'WINDOW', 'LOCK', 'MAX_LOCK']) read.add(`PURSER_THROTTLE_${kind}_${part}`);
    const documented = readmeSettings();
    // The table abbreviates the throttle family as `_IP_WINDOW` and the like after its first name.
    const table = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
    for (const kind of ['IP', 'ACCOUNT']) for (const part of ['WINDOW', 'LOCK', 'MAX_LOCK']) if (table.includes(`\`_${kind}_${part}\``)) documented.add(`PURSER_THROTTLE_${kind}_${part}`);
    assert.deepEqual([...read].filter((name) => !documented.has(name)).sort(), [], 'read by the code but not documented');
    assert.deepEqual([...documented].filter((name) => !read.has(name)).sort(), [], 'documented but not read by the code');
  });
});

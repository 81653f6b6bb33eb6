import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../../src/observe/logger.js';
import { basic, startTestApp, type TestApp } from '../../helpers/app.js';
import { signingPair } from '../../helpers/keys.js';
import { startFileServer } from '../../helpers/server.js';
import { TEST_USERS } from '../../helpers/snapshot.js';

describe('/metrics, /healthz and /readyz', () => {
  let app: TestApp;
  let text: string;
  before(async () => {
    app = await startTestApp();
    const get = (headers: Record<string, string> = {}) => fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:alice/a:pull`, { headers });
    await get({ Authorization: basic('alice', TEST_USERS.alice) });
    await get({ Authorization: basic('alice', 'wrong') });
    await get({ Authorization: basic('nobody', 'x') });
    await get();
    await fetch(`${app.url}/auth?scope=bad`);
    await fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `grant_type=password&username=alice&password=${TEST_USERS.alice}` });
    const res = await fetch(`${app.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    text = await res.text();
  });
  after(() => app.close());

  test('every metric is named purser_*', () => {
    const names = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.split(/[{ ]/)[0]);
    assert.ok(names.length > 20);
    assert.deepEqual(names.filter((name) => !name?.startsWith('purser_')), []);
  });

  const expected: RegExp[] = [
    /^purser_token_requests_total\{outcome="granted",grant_type="password",source="htpasswd"\} 2$/m,
    /^purser_token_requests_total\{outcome="denied_all",grant_type="anonymous",source="anonymous"\} 1$/m,
    /^purser_token_requests_total\{outcome="failed",grant_type="password",source="none"\} 2$/m,
    /^purser_token_requests_total\{outcome="invalid",grant_type="unknown",source="none"\} 1$/m,
    /^purser_authentication_failures_total\{reason="password"\} 2$/m,
    /^purser_credential_cache_total\{result="miss"\} 3$/m,
    /^purser_token_request_duration_seconds_bucket\{le="0.005",grant_type="password"\} \d+$/m,
    /^purser_password_verification_seconds_count \d+$/m,
    /^purser_credential_cache_total\{result="hit"\} 1$/m,
    /^purser_process_resident_memory_bytes \d+$/m,
    /^purser_open_connections \d+$/m,
  ];
  for (const pattern of expected) test(`has ${pattern.source.slice(1, 70)}`, () => assert.match(text, pattern));

  test('no metric names a failure cause: the audit log alone tells an unknown user from a wrong password', () => {
    assert.doesNotMatch(text, /unknown_user|wrong_password/);
  });

  test('the signing certificate\'s expiry is exported', () => {
    const expiry = new Date(new X509Certificate(signingPair().certPem).validTo).getTime() / 1000;
    assert.match(text, new RegExp(`^purser_signing_certificate_expiry_timestamp_seconds ${expiry}$`, 'm'));
  });

  test('/healthz answers while the process runs; /readyz describes the configuration in force', async () => {
    assert.deepEqual(await (await fetch(`${app.url}/healthz`)).json(), { status: 'ok' });
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(ready.status, 'ready');
    assert.equal(ready.users, 3);
    assert.equal(ready.rules, 4);
    assert.match(String(ready.kid), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    // Unauthenticated: times, counts and the public key ID, nothing that names a file or a user.
    assert.deepEqual(Object.keys(ready).sort(), ['kid', 'lastReload', 'loadedAt', 'rules', 'status', 'users']);
  });
});

describe('what /metrics tells an attacker', () => {
  /** The counters of /metrics after one failed login, with the timing and process figures left out. */
  async function countersAfter(user: string, password: string): Promise<string[]> {
    const app = await startTestApp();
    try {
      await fetch(`${app.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic(user, password) } });
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => /^purser_(token_requests|authentication_failures|credential_cache|throttled|bcrypt_rejected)_total|^purser_password_verification_seconds_count/.test(line));
    } finally {
      await app.close();
    }
  }

  test('a wrong password for a real user and a login as nobody leave the same counters', async () => {
    const known = await countersAfter('alice', 'not-her-password');
    const unknown = await countersAfter('nobody-at-all', 'whatever');
    assert.ok(known.length >= 3, known.join('\n'));
    assert.deepEqual(unknown, known);
  });
});

describe('audit trail and logs', () => {
  test('PURSER_AUDIT_LOG appends one JSON line per token request, without secrets', async () => {
    const server = await startFileServer({ env: { PURSER_AUDIT_LOG: 'audit.log' } });
    let token = '';
    let all = '';
    try {
      const ok = await fetch(`${server.url}/auth?service=Docker%20registry&scope=repository:alice/app:pull,push&client_id=ci`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } });
      token = ((await ok.json()) as { token: string }).token;
      await fetch(`${server.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('alice', 'not-her-password') } });
      // The audit file is written asynchronously, off the request path.
      for (let i = 0; i < 50 && all.trim().split('\n').length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        all = readFileSync(join(server.dir, 'audit.log'), 'utf8');
      }
    } finally {
      await server.stop();
    }
    const lines = all.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    const [granted, failed] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.match(String(granted.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(granted.ip, '127.0.0.1');
    assert.equal(granted.account, 'alice');
    assert.equal(granted.service, 'Docker registry');
    assert.equal(granted.clientId, 'ci');
    assert.equal(granted.grantType, 'password');
    assert.deepEqual(granted.requested, ['repository:alice/app:pull,push']);
    assert.deepEqual(granted.granted, ['repository:alice/app:pull,push']);
    assert.deepEqual(granted.decisions, [{ scope: 'repository:alice/app:pull,push', rule: 2, comment: 'own namespace' }]);
    assert.equal(granted.outcome, 'granted');
    assert.equal(typeof granted.latencyMs, 'number');
    assert.equal(typeof granted.jti, 'string');
    assert.equal(failed.outcome, 'failed');
    assert.equal(failed.reason, 'wrong_password');
    for (const secret of [TEST_USERS.alice, 'not-her-password', token, token.split('.')[2] as string, basic('alice', TEST_USERS.alice)]) {
      assert.equal(all.includes(secret), false);
    }
  });

  test('even at trace level, the log holds no password, Authorization header or token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await startTestApp({ logger: createLogger('trace', sink) });
    try {
      const secrets = [TEST_USERS.alice, 'wrong-horse', basic('alice', 'wrong-horse')];
      const ok = await fetch(`${app.url}/auth?service=Docker%20registry&offline_token=true`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } });
      const body = (await ok.json()) as { token: string; refresh_token: string };
      await fetch(`${app.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('alice', 'wrong-horse') } });
      await fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${body.refresh_token}x` });
      const log = lines.join('');
      for (const secret of [...secrets, body.token, body.refresh_token]) assert.equal(log.includes(secret), false, 'a secret reached the log');
    } finally {
      await app.close();
    }
  });
});

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { libtrustKeyId } from '../../../src/token/key-id.js';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { signingPair } from '../../helpers/keys.js';
import { testSnapshot, TEST_USERS } from '../../helpers/snapshot.js';

const SERVICE = 'Docker%20registry';

describe('GET /auth', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const get = (query: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${app.url}/auth?${query}`, { headers });

  test('issues a token a registry 2.x can verify: RS256, typ JWT, libtrust kid, x5c', async () => {
    const res = await get(`service=${SERVICE}&scope=repository:alice/app:pull,push`, { Authorization: basic('alice', TEST_USERS.alice) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'issued_at', 'token']);
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 300);
    assert.match(String(body.issued_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const cert = new X509Certificate(signingPair('RS256').certPem);
    const { header, claims } = decodeJwt(String(body.token));
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'JWT');
    assert.equal(header.kid, libtrustKeyId(cert.publicKey));
    assert.deepEqual(header.x5c, [cert.raw.toString('base64')]);
    const verified = jwt.verify(String(body.token), cert.publicKey, { algorithms: ['RS256'], issuer: 'purser', audience: 'Docker registry' }) as Record<string, unknown>;
    assert.equal(verified.sub, 'alice');
    assert.equal(typeof claims.aud, 'string');
    assert.equal(Number(claims.exp) - Number(claims.iat), 300);
    assert.equal(claims.nbf, claims.iat);
    assert.equal(new Date(String(body.issued_at)).getTime() / 1000, claims.iat);
    assert.match(String(claims.jti), /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'alice/app', actions: ['pull', 'push'] }]);
  });

  test('each token has its own jti', async () => {
    const jtis = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const body = (await (await get(`service=${SERVICE}`)).json()) as { token: string };
      jtis.add(decodeJwt(body.token).claims.jti);
    }
    assert.equal(jtis.size, 3);
  });

  test('denied scopes are not an error: fewer or no actions', async () => {
    const res = await get(`service=${SERVICE}&scope=repository:alice/app:pull,push,delete&scope=repository:bob/app:push repository:public/img:pull,push`, {
      Authorization: basic('alice', TEST_USERS.alice),
    });
    assert.equal(res.status, 200);
    const { claims } = decodeJwt(((await res.json()) as { token: string }).token);
    assert.deepEqual(claims.access, [
      { type: 'repository', name: 'alice/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'bob/app', actions: [] },
      { type: 'repository', name: 'public/img', actions: ['pull'] },
    ]);
    const event = app.audit.at(-1);
    assert.equal(event?.outcome, 'granted');
    assert.deepEqual(event?.decisions.map((d) => d.rule), [2, null, 3]);
  });

  test('docker login (no scope) gets a token with access: []', async () => {
    const res = await get(`service=${SERVICE}&account=alice&client_id=docker`, { Authorization: basic('alice', TEST_USERS.alice) });
    assert.equal(res.status, 200);
    assert.deepEqual(decodeJwt(((await res.json()) as { token: string }).token).claims.access, []);
  });

  test('no Authorization header is the anonymous account ""', async () => {
    const res = await get(`service=${SERVICE}&scope=repository:public/img:pull,push&scope=repository:alice/app:pull`);
    const { claims } = decodeJwt(((await res.json()) as { token: string }).token);
    assert.equal(claims.sub, '');
    assert.deepEqual(claims.access, [
      { type: 'repository', name: 'public/img', actions: ['pull'] },
      { type: 'repository', name: 'alice/app', actions: [] },
    ]);
  });

  test('the admin group gets the catalog as "*"; a plain user gets nothing', async () => {
    const admin = await get(`service=${SERVICE}&scope=registry:catalog:*`, { Authorization: basic('admin', TEST_USERS.admin) });
    assert.deepEqual(decodeJwt(((await admin.json()) as { token: string }).token).claims.access, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    const user = await get(`service=${SERVICE}&scope=registry:catalog:*`, { Authorization: basic('alice', TEST_USERS.alice) });
    assert.deepEqual(decodeJwt(((await user.json()) as { token: string }).token).claims.access, [{ type: 'registry', name: 'catalog', actions: [] }]);
  });

  test('a request naming no service gets the first accepted one', async () => {
    const body = (await (await get('scope=repository:public/a:pull')).json()) as { token: string };
    assert.equal(decodeJwt(body.token).claims.aud, 'Docker registry');
  });

  test('wrong password and unknown user get the same 401, challenge and body', async () => {
    const wrong = await get(`service=${SERVICE}`, { Authorization: basic('alice', 'nope') });
    const unknown = await get(`service=${SERVICE}`, { Authorization: basic('mallory', 'nope') });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="purser"');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const [a, b] = [await wrong.text(), await unknown.text()];
    assert.equal(a, b);
    assert.deepEqual(JSON.parse(a), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] });
    assert.deepEqual(app.audit.slice(-2).map((e) => [e.outcome, e.reason, e.account]), [
      ['failed', 'wrong_password', 'alice'],
      ['failed', 'unknown_user', 'mallory'],
    ]);
  });

  const bad: Array<[string, string, Record<string, string>, RegExp]> = [
    ['an unknown service', `service=other&scope=repository:a:pull`, {}, /unknown service "other"; this server issues tokens for "Docker registry"/],
    ['a repeated service', `service=${SERVICE}&service=x`, {}, /service must appear only once/],
    ['a malformed scope', `service=${SERVICE}&scope=repository:UPPER:pull`, {}, /invalid scope "repository:UPPER:pull"/],
    ['an account differing from the Basic user', `service=${SERVICE}&account=bob`, { Authorization: basic('alice', TEST_USERS.alice) }, /account parameter differs/],
    ['an account without credentials', `service=${SERVICE}&account=bob`, {}, /needs matching Basic credentials/],
    ['a bad offline_token', `service=${SERVICE}&offline_token=yes`, {}, /offline_token must be true or false/],
    ['a Bearer header', `service=${SERVICE}`, { Authorization: 'Bearer abc' }, /Basic scheme/],
    ['a Basic header without a colon', `service=${SERVICE}`, { Authorization: `Basic ${Buffer.from('alice').toString('base64')}` }, /no colon/],
    ['a Basic header with bad base64', `service=${SERVICE}`, { Authorization: 'Basic @@@' }, /not valid base64/],
    ['non-UTF-8 percent-encoding', `service=%C3%28`, {}, /not valid percent-encoded UTF-8/],
    ['a NUL byte', `service=${SERVICE}&scope=repository:a:pull%00`, {}, /control character/],
  ];
  for (const [what, query, headers, message] of bad) {
    test(`${what} is a 400 that says so, and no login failure`, async () => {
      const res = await get(query, headers);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
      assert.match(body.errors[0]?.message ?? '', message);
      assert.equal(app.audit.at(-1)?.outcome, 'invalid');
    });
  }

  test('the audit trail never holds a password or a whole token', async () => {
    const res = await get(`service=${SERVICE}&scope=repository:alice/x:pull`, { Authorization: basic('alice', TEST_USERS.alice) });
    const { token } = (await res.json()) as { token: string };
    const text = JSON.stringify(app.audit);
    assert.equal(text.includes(TEST_USERS.alice), false);
    assert.equal(text.includes(token), false);
    assert.equal(text.includes(token.split('.')[2] as string), false);
    assert.equal(app.audit.at(-1)?.jti, decodeJwt(token).claims.jti);
  });

  test('other methods get 405 with Allow, unknown paths 404, both as JSON', async () => {
    const put = await fetch(`${app.url}/auth`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    const missing = await fetch(`${app.url}/v2/`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { errors: Array<{ message: string }> }).errors[0]?.message ?? '', /\/auth/);
    assert.equal(missing.headers.get('x-powered-by'), null);
    assert.equal(missing.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(missing.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
    // Plain HTTP: no HSTS pinning browsers to an HTTPS port that is not there.
    assert.equal(missing.headers.get('strict-transport-security'), null);
  });
});

describe('GET /auth with an ES256 key', () => {
  test('signs ES256 with a raw r||s signature that verifies', async () => {
    const app = await startTestApp({ alg: 'ES256' });
    try {
      const body = (await (await fetch(`${app.url}/auth?service=${SERVICE}&scope=repository:public/a:pull`)).json()) as { token: string };
      const cert = new X509Certificate(signingPair('ES256').certPem);
      assert.equal(decodeJwt(body.token).header.alg, 'ES256');
      assert.equal(Buffer.from(body.token.split('.')[2] as string, 'base64url').length, 64);
      assert.doesNotThrow(() => jwt.verify(body.token, cert.publicKey, { algorithms: ['ES256'] }));
    } finally {
      await app.close();
    }
  });
});

describe('unexpected failures', () => {
  test('become a plain 500: the detail is logged, never sent', async () => {
    const snapshot = testSnapshot();
    const broken = Object.freeze({
      ...snapshot,
      signAccessToken: () => Promise.reject(new Error('HSM said: key material 0xDEADBEEF unavailable')),
    });
    const app = await startTestApp({ snapshot: broken });
    try {
      const res = await fetch(`${app.url}/auth?service=${SERVICE}`);
      assert.equal(res.status, 500);
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), { errors: [{ code: 'INTERNAL', message: 'internal error' }] });
      assert.equal(text.includes('DEADBEEF'), false);
      assert.equal(app.audit.at(-1)?.outcome, 'error');
      // The server keeps serving.
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    } finally {
      await app.close();
    }
  });
});

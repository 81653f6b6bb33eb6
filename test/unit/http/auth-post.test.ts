import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { buildSnapshot } from '../../../src/config/snapshot.js';
import { REFRESH_AUDIENCE, REFRESH_TYP } from '../../../src/authn/refresh-token.js';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { frozenClock, type FrozenClock } from '../../helpers/clock.js';
import { freshPair, signingPair } from '../../helpers/keys.js';
import { TEST_ACL, testSettings, testSnapshot, TEST_USERS } from '../../helpers/snapshot.js';
import { htpasswdFor } from '../../helpers/users.js';

const FORM = 'application/x-www-form-urlencoded';

function post(app: TestApp, fields: Record<string, string | string[]>, contentType = FORM): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': contentType }, body: body.toString() });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

const password = (user: keyof typeof TEST_USERS, extra: Record<string, string | string[]> = {}) => ({
  grant_type: 'password',
  username: user,
  password: TEST_USERS[user],
  service: 'Docker registry',
  client_id: 'test',
  ...extra,
});

describe('POST /auth (docs/spec/auth/oauth.md)', () => {
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    clock = frozenClock(Date.now());
    app = await startTestApp({ clock });
  });
  after(() => app.close());
  beforeEach(() => app.store.swap(testSnapshot()));

  test('a password grant answers access_token, token, scope, expires_in, issued_at', async () => {
    const res = await post(app, password('alice', { scope: 'repository:alice/app:pull,push repository:bob/x:pull' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await json(res);
    assert.equal(body.token, body.access_token);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'repository:alice/app:pull,push');
    assert.equal(body.expires_in, 300);
    assert.match(String(body.issued_at), /Z$/);
    assert.equal('refresh_token' in body, false);
    assert.deepEqual(decodeJwt(String(body.access_token)).claims.access, [
      { type: 'repository', name: 'alice/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'bob/x', actions: [] },
    ]);
  });

  test('containerd\'s request shape: client_id=containerd-client, charset=utf-8', async () => {
    const res = await post(
      app,
      { scope: 'repository:alice/app:pull repository:public/base:pull', service: 'Docker registry', client_id: 'containerd-client', grant_type: 'password', username: 'alice', password: TEST_USERS.alice },
      `${FORM}; charset=utf-8`,
    );
    assert.equal(res.status, 200);
    assert.equal((await json(res)).scope, 'repository:alice/app:pull repository:public/base:pull');
  });

  test('scope may also repeat, as containers/image sends it', async () => {
    const body = await json(await post(app, password('alice', { scope: ['repository:alice/a:pull', 'repository:alice/b:push'] })));
    assert.equal(body.scope, 'repository:alice/a:pull repository:alice/b:push');
  });

  test('access_type=offline adds a refresh token that no registry accepts as an access token', async () => {
    const body = await json(await post(app, password('alice', { access_type: 'offline' })));
    const refresh = decodeJwt(String(body.refresh_token));
    assert.equal(refresh.header.typ, REFRESH_TYP);
    assert.equal('kid' in refresh.header, false);
    assert.equal('x5c' in refresh.header, false);
    assert.equal(refresh.claims.aud, REFRESH_AUDIENCE);
    assert.notEqual(refresh.claims.aud, 'Docker registry');
    assert.equal(refresh.claims.sub, 'alice');
    assert.equal(refresh.claims.svc, 'Docker registry');
    assert.equal('access' in refresh.claims, false);
    assert.equal(Number(refresh.claims.exp) - Number(refresh.claims.iat), 90 * 86400);
    assert.equal(app.audit.at(-1)?.refreshToken, true);
    assert.equal(JSON.stringify(app.audit).includes(String(body.refresh_token)), false);
  });

  test('a refresh grant issues access tokens, evaluating the ACL afresh, and returns the same refresh token', async () => {
    const refresh = String((await json(await post(app, password('alice', { access_type: 'offline' })))).refresh_token);
    const first = await json(await post(app, { grant_type: 'refresh_token', refresh_token: refresh, service: 'Docker registry', client_id: 'docker', scope: 'repository:alice/app:push', access_type: 'offline' }));
    assert.equal(first.scope, 'repository:alice/app:push');
    assert.equal(first.refresh_token, refresh);
    assert.equal(decodeJwt(String(first.access_token)).claims.sub, 'alice');

    // Remove the rule that gave alice her namespace: the same refresh token now gets nothing for it.
    app.store.swap(testSnapshot({ acl: TEST_ACL.replace('actions: [pull, push]\n    comment: own namespace', 'actions: []\n    comment: own namespace') }));
    const second = await json(await post(app, { grant_type: 'refresh_token', refresh_token: refresh, service: 'Docker registry', scope: 'repository:alice/app:push' }));
    assert.equal(second.scope, '');
    assert.equal('refresh_token' in second, false);
  });

  describe('refresh token binding', () => {
    let refresh: string;
    beforeEach(async () => {
      refresh = String((await json(await post(app, password('alice', { access_type: 'offline' })))).refresh_token);
    });
    const exchange = (token: string, service = 'Docker registry') => post(app, { grant_type: 'refresh_token', refresh_token: token, service });

    const expectRefused = async (res: Response, reason: string): Promise<void> => {
      assert.equal(res.status, 401);
      assert.deepEqual(await json(res), { error: 'invalid_grant', error_description: 'authentication failed' });
      assert.equal(app.audit.at(-1)?.reason, reason);
    };

    test('works for its own service', async () => assert.equal((await exchange(refresh)).status, 200));

    test('another service', async () => {
      const app2 = await startTestApp({ env: { PURSER_SERVICE: 'Docker registry,staging' }, clock });
      try {
        const token = String((await json(await post(app2, password('alice', { access_type: 'offline' })))).refresh_token);
        const res = await post(app2, { grant_type: 'refresh_token', refresh_token: token, service: 'staging' });
        assert.equal(res.status, 401);
        assert.equal(app2.audit.at(-1)?.reason, 'invalid_refresh_token');
      } finally {
        await app2.close();
      }
    });

    test('another user, presenting it as their Basic password', async () => {
      const res = await fetch(`${app.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('bob', refresh) } });
      assert.equal(res.status, 401);
      assert.equal(app.audit.at(-1)?.reason, 'refresh_token_subject_mismatch');
    });

    test('a changed password revokes it', async () => {
      app.store.swap(testSnapshot({ users: { ...TEST_USERS, alice: 'new-password' } }));
      await expectRefused(await exchange(refresh), 'refresh_token_revoked');
    });

    test('a removed user revokes it', async () => {
      app.store.swap(testSnapshot({ users: { admin: TEST_USERS.admin, bob: TEST_USERS.bob } }));
      await expectRefused(await exchange(refresh), 'refresh_token_revoked');
    });

    test('a tampered token', async () => {
      const [h, c, s] = refresh.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
      await expectRefused(await exchange(`${h}.${forged}.${s}`), 'invalid_refresh_token');
      await expectRefused(await exchange(`${h}.${c}.${s.slice(0, -2)}AA`), 'invalid_refresh_token');
      await expectRefused(await exchange('not-a-token'), 'invalid_refresh_token');
    });

    test('an expired token', async () => {
      clock.advance((90 * 86400 + 1) * 1000);
      try {
        await expectRefused(await exchange(refresh), 'invalid_refresh_token');
      } finally {
        clock.advance(-(90 * 86400 + 1) * 1000);
      }
    });

    test('a token signed by a key purser does not hold', async () => {
      const stranger = freshPair();
      const settings = testSettings();
      const other = buildSnapshot(settings, { acl: TEST_ACL, users: htpasswdFor(TEST_USERS), signingKey: stranger.keyPem, signingCert: stranger.certPem });
      const app2 = await startTestApp({ snapshot: other, clock });
      try {
        const foreign = String((await json(await post(app2, password('alice', { access_type: 'offline' })))).refresh_token);
        await expectRefused(await exchange(foreign), 'invalid_refresh_token');
      } finally {
        await app2.close();
      }
    });

    test('an access token is not a refresh token', async () => {
      const access = String((await json(await post(app, password('alice')))).access_token);
      await expectRefused(await exchange(access), 'invalid_refresh_token');
    });

    test('it survives a key rotation while the old certificate stays in the bundle', async () => {
      const current = signingPair();
      const next = freshPair('ES256');
      const rotated = (bundle: string) =>
        buildSnapshot(testSettings(), { acl: TEST_ACL, users: htpasswdFor(TEST_USERS), signingKey: next.keyPem, signingCert: bundle });
      app.store.swap(rotated(next.certPem + current.certPem));
      assert.equal((await exchange(refresh)).status, 200);
      // Once the old certificate leaves the bundle, tokens it signed are no longer accepted.
      app.store.swap(rotated(next.certPem));
      await expectRefused(await exchange(refresh), 'invalid_refresh_token');
    });
  });

  test('a refresh token works as the Basic password on GET, with its subject as user name', async () => {
    const refresh = String((await json(await post(app, password('alice', { access_type: 'offline' })))).refresh_token);
    const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:alice/x:push&offline_token=true`, {
      headers: { Authorization: basic('alice', refresh) },
    });
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.deepEqual(decodeJwt(String(body.token)).claims.access, [{ type: 'repository', name: 'alice/x', actions: ['push'] }]);
    assert.equal(body.refresh_token, refresh);
  });

  test('GET offline_token=true gives users a refresh token, never the anonymous account', async () => {
    const user = await json(await fetch(`${app.url}/auth?service=Docker%20registry&offline_token=true&client_id=docker`, { headers: { Authorization: basic('bob', TEST_USERS.bob) } }));
    assert.equal(decodeJwt(String(user.refresh_token)).claims.sub, 'bob');
    const anonymous = await json(await fetch(`${app.url}/auth?service=Docker%20registry&offline_token=true`));
    assert.equal('refresh_token' in anonymous, false);
  });

  test('wrong credentials are a 401 invalid_grant, same for an unknown user', async () => {
    const wrong = await post(app, password('alice', { password: 'nope' }));
    const unknown = await post(app, { ...password('alice'), username: 'mallory' });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.deepEqual(await json(res), { error: 'invalid_grant', error_description: 'authentication failed' });
    }
  });

  const malformed: Array<[string, Record<string, string>, number, string, RegExp]> = [
    ['no grant_type', { username: 'a', password: 'b' }, 400, 'invalid_request', /grant_type is required/],
    ['an unsupported grant', { grant_type: 'client_credentials' }, 400, 'unsupported_grant_type', /not supported/],
    ['a password grant without password', { grant_type: 'password', username: 'alice' }, 400, 'invalid_request', /needs username and password/],
    ['a refresh grant without the token', { grant_type: 'refresh_token' }, 400, 'invalid_request', /needs refresh_token/],
    ['a bad access_type', { ...password('alice'), access_type: 'forever' }, 400, 'invalid_request', /offline or online/],
    ['a malformed scope', { ...password('alice'), scope: 'repository:a' }, 400, 'invalid_scope', /invalid scope/],
    ['an unknown service', { ...password('alice'), service: 'elsewhere' }, 400, 'invalid_request', /unknown service/],
  ];
  for (const [what, fields, status, error, description] of malformed) {
    test(`${what}: ${status} ${error}`, async () => {
      const res = await post(app, fields);
      assert.equal(res.status, status);
      const body = await json(res);
      assert.equal(body.error, error);
      assert.match(String(body.error_description), description);
    });
  }

  test('duplicated single-valued fields are a 400', async () => {
    const res = await fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': FORM }, body: 'grant_type=password&username=alice&username=bob&password=x' });
    assert.equal(res.status, 400);
    assert.match(String((await json(res)).error_description), /username must appear only once/);
  });

  test('only form bodies in UTF-8 are accepted', async () => {
    const asJson = await post(app, password('alice'), 'application/json');
    assert.equal(asJson.status, 415);
    assert.equal((await json(asJson)).error, 'invalid_request');
    assert.equal((await post(app, password('alice'), `${FORM}; charset=latin1`)).status, 415);
    assert.equal((await fetch(`${app.url}/auth`, { method: 'POST' })).status, 415);
  });

  test('bodies over the cap are refused before they are parsed, declared or chunked', async () => {
    const big = await post(app, password('alice', { scope: `repository:a:pull ${'x'.repeat(9000)}` }));
    assert.equal(big.status, 413);
    assert.equal((await json(big)).error, 'invalid_request');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': FORM, 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(`grant_type=password&x${i}=${'y'.repeat(1000)}&`);
      req.end();
    });
    assert.equal(status, 413);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  });
});

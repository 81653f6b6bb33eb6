import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { frozenClock, type FrozenClock } from '../../helpers/clock.js';
import { testSnapshot } from '../../helpers/snapshot.js';

const ANON = '/auth?service=Docker%20registry&scope=repository:public/app:pull';

describe('PURSER_GRANT_REUSE', () => {
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    clock = frozenClock(Date.UTC(2026, 11, 1, 12, 0, 0));
    app = await startTestApp({ clock, env: { PURSER_GRANT_REUSE: '10', PURSER_TOKEN_TTL: '300' } });
  });
  after(() => app.close());

  const token = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}${path}`, { headers });
    assert.equal(res.status, 200);
    return (await res.json()) as { token: string; expires_in: number; issued_at: string; refresh_token?: string };
  };

  test('identical grants within the window share one signed token; each request has its own audit event', async () => {
    const before = app.audit.length;
    const first = await token(ANON);
    clock.advance(4_000);
    const second = await token(ANON);
    assert.equal(second.token, first.token);
    assert.equal(first.expires_in, 300);
    assert.equal(second.expires_in, 296, 'expires_in tells the truth');
    assert.equal(second.issued_at, first.issued_at);
    const events = app.audit.slice(before);
    assert.equal(events.length, 2);
    assert.equal(events[0]?.reused, undefined);
    assert.equal(events[1]?.reused, true);
    assert.equal(events[1]?.jti, events[0]?.jti);
    assert.match(await (await fetch(`${app.url}/metrics`)).text(), /^purser_grant_reuse_total 1$/m);
  });

  test('past the window a new token is signed', async () => {
    clock.advance(11_000);
    const a = await token(ANON);
    clock.advance(11_000);
    assert.notEqual((await token(ANON)).token, a.token);
  });

  test('another account, other labels or other granted access never share', async () => {
    const alice = await token('/auth?service=Docker%20registry&scope=repository:public/app:pull', { Authorization: basic('alice', 'alice-secret') });
    const bob = await token('/auth?service=Docker%20registry&scope=repository:public/app:pull', { Authorization: basic('bob', 'bob-secret') });
    const anon = await token(ANON);
    assert.notEqual(alice.token, bob.token);
    assert.notEqual(alice.token, anon.token);
    const push = await token('/auth?service=Docker%20registry&scope=repository:alice/x:pull,push', { Authorization: basic('alice', 'alice-secret') });
    const pull = await token('/auth?service=Docker%20registry&scope=repository:alice/x:pull', { Authorization: basic('alice', 'alice-secret') });
    assert.notEqual(push.token, pull.token);
    assert.deepEqual(decodeJwt(pull.token).claims.access, [{ type: 'repository', name: 'alice/x', actions: ['pull'] }]);
  });

  test('refresh tokens are never shared', async () => {
    const path = '/auth?service=Docker%20registry&offline_token=true&scope=repository:alice/y:pull';
    const a = await token(path, { Authorization: basic('alice', 'alice-secret') });
    const b = await token(path, { Authorization: basic('alice', 'alice-secret') });
    assert.equal(a.token, b.token);
    assert.notEqual(a.refresh_token, b.refresh_token);
  });

  test('a reload empties the cache', async () => {
    clock.advance(20_000);
    const a = await token(ANON);
    app.store.swap(testSnapshot({ env: { PURSER_GRANT_REUSE: '10', PURSER_TOKEN_TTL: '300' } }));
    assert.notEqual((await token(ANON)).token, a.token);
  });
});

describe('without PURSER_GRANT_REUSE', () => {
  test('every request is signed anew', async () => {
    const app = await startTestApp();
    try {
      const get = async () => ((await (await fetch(`${app.url}${ANON}`)).json()) as { token: string }).token;
      assert.notEqual(await get(), await get());
    } finally {
      await app.close();
    }
  });
});

/**
 * The findings of the attacker's review of purser, one test (or a few) each. Every one of these
 * failed on the code before its fix.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { REFRESH_AUDIENCE, REFRESH_TYP } from '../../../src/authn/refresh-token.js';
import { basic, startTestApp, type TestApp } from '../../helpers/app.js';
import { signingPair } from '../../helpers/keys.js';
import { htpasswdFor } from '../../helpers/users.js';
import { startFileServer } from '../../helpers/server.js';

const AUTH = '/auth?service=Docker%20registry&scope=repository:alice/app:pull';

function get(app: TestApp, user: string, password: string, path = AUTH): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { Authorization: basic(user, password) } });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Sends raw bytes and resolves with whatever the server answered before closing. */
function raw(app: TestApp, text: string): Promise<string> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.end(text);
  });
}

describe('bcrypt cannot starve signing (finding 2)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      htpasswd: htpasswdFor({ slow: 'right' }, 10),
      env: { PURSER_THROTTLE_IP_MAX: '10000', PURSER_THROTTLE_ACCOUNT_MAX: '10000', PURSER_BCRYPT_QUEUE: '20' },
    });
  });
  after(() => app.close());

  test('an anonymous pull keeps its latency while a burst of guesses is hashed; the queue overflows into 503', async () => {
    const burst = Array.from({ length: 40 }, (_, i) => get(app, 'slow', `guess-${i}`).then((r) => ({ status: r.status, retry: r.headers.get('retry-after') })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Before the fix each of these queued behind the whole burst on libuv's pool.
    let anonymousMs = Number.POSITIVE_INFINITY;
    let anonymous: Response | undefined;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      anonymous = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:public/x:pull`);
      anonymousMs = Math.min(anonymousMs, performance.now() - started);
    }
    const burstStarted = performance.now();
    const results = await Promise.all(burst);
    const burstMs = performance.now() - burstStarted + anonymousMs;
    assert.equal(anonymous?.status, 200);
    // 2 run and 20 wait, each ~50 ms or more at cost 10: the burst takes half a second at least.
    assert.ok(burstMs > 500, `the burst took ${burstMs.toFixed(0)} ms`);
    assert.ok(anonymousMs < burstMs / 4, `the quickest anonymous pull took ${anonymousMs.toFixed(0)} ms while the burst took ${burstMs.toFixed(0)} ms`);
    const busy = results.filter((r) => r.status === 503);
    // Up to 40 - (2 running + 20 waiting) find the queue full; a few arrive after the first are done.
    assert.ok(busy.length >= 10, `${busy.length} of 40 got 503`);
    assert.ok(busy.every((r) => r.retry === '1'));
    assert.equal(results.filter((r) => r.status === 401).length + busy.length, 40);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(text, /^purser_bcrypt_rejected_total [1-9]\d*$/m);
    assert.match(text, /^purser_bcrypt_queue_length 0$/m);
    assert.equal(app.audit.filter((e) => e.outcome === 'busy').length, busy.length);
  });
});

describe('failures take the same time whoever the user is (finding 7)', () => {
  let app: TestApp;
  before(async () => {
    const htpasswd = `${htpasswdFor({ cheap1: 'a', cheap2: 'b', cheap3: 'c' }, 4)}\n${htpasswdFor({ dear: 'd' }, 10)}\n`;
    app = await startTestApp({ htpasswd, env: { PURSER_THROTTLE_IP_MAX: '10000', PURSER_THROTTLE_ACCOUNT_MAX: '10000' } });
  });
  after(() => app.close());

  /** Median failure time per user, the users' attempts interleaved so that load changes hit all alike. */
  async function timed(users: readonly string[], rounds: number): Promise<number[]> {
    const times = users.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, user] of users.entries()) {
        const started = performance.now();
        const res = await get(app, user, `wrong-${round}`);
        times[i]?.push(performance.now() - started);
        assert.equal(res.status, 401);
      }
    }
    return times.map(median);
  }

  test('an unknown user, a cost-4 user and a cost-10 user fail in the same time', async () => {
    await timed(['warm-up'], 2);
    const [dear = 0, cheap = 0, unknown = 0] = await timed(['dear', 'cheap1', 'nobody'], 11);
    for (const [what, ms] of [['cost-4 user', cheap], ['unknown user', unknown]] as const) {
      assert.ok(ms > dear * 0.6 && ms < dear * 1.6, `${what}: ${ms.toFixed(1)} ms, cost-10 user: ${dear.toFixed(1)} ms`);
    }
  });
});

describe('passwords bcrypt cannot tell apart (finding 10)', () => {
  const long = 'x'.repeat(72);
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ htpasswd: `${htpasswdFor({ longpw: long, nopw: '' })}\n` });
  });
  after(() => app.close());

  test('a password over 72 bytes is refused, even when its first 72 bytes are right', async () => {
    assert.equal((await get(app, 'longpw', long)).status, 200);
    assert.equal((await get(app, 'longpw', `${long}anything`)).status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'password_too_long');
  });

  test('an empty password never logs in, even against a hash of ""', async () => {
    const res = await get(app, 'nopw', '');
    assert.equal(res.status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'empty_password');
  });
});

describe('nothing secret reaches the audit log or an error body (finding 8)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('a refresh token sent as the user name is recorded as a hash, not the token', async () => {
    const issued = await fetch(`${app.url}/auth?service=Docker%20registry&offline_token=true`, { headers: { Authorization: basic('alice', 'alice-secret') } });
    const { refresh_token: refresh } = (await issued.json()) as { refresh_token: string };
    const res = await get(app, refresh, 'x');
    assert.equal(res.status, 401);
    const event = app.audit.at(-1);
    assert.match(String(event?.account), /^invalid:[0-9a-f]{16}$/);
    assert.equal(JSON.stringify(app.audit).includes(refresh.slice(0, 20)), false);
  });

  test('an over-long or control-character name is recorded as a hash', async () => {
    await get(app, 'a'.repeat(300), 'x');
    assert.match(String(app.audit.at(-1)?.account), /^invalid:/);
  });

  test('a malformed Authorization header is not echoed in the 400 body or the audit reason', async () => {
    const res = await fetch(`${app.url}${AUTH}`, { headers: { Authorization: 'Basicx YWxpY2U6YWxpY2U6c2VjcmV0' } });
    const body = await res.text();
    assert.equal(res.status, 400);
    assert.doesNotMatch(body, /YWxp|Basicx/);
    assert.doesNotMatch(JSON.stringify(app.audit.at(-1)), /YWxp|Basicx/);
  });
});

describe('strict at the wire (finding 10)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('two Authorization headers are a 400, not a choice', async () => {
    const answer = await raw(
      app,
      `GET ${AUTH} HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('alice', 'alice-secret')}\r\nAuthorization: ${basic('bob', 'bob-secret')}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /more than one Authorization header/);
  });

  test('a client hanging up mid-body is recorded as aborted, not as a server error', async () => {
    await new Promise<void>((resolve, reject) => {
      const { port } = new URL(app.url);
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
        socket.write('POST /auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ngrant_type=pass');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    for (let i = 0; i < 50 && app.audit.at(-1)?.outcome !== 'aborted'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(app.audit.at(-1)?.outcome, 'aborted');
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(text, /purser_token_requests_total\{outcome="aborted",grant_type="unknown",source="none"\} 1/);
    assert.doesNotMatch(text, /outcome="error"/);
  });

  /** A refresh token for alice signed with purser's own key, with the claims given. */
  function forgedRefresh(claims: Record<string, unknown>): string {
    const header = Buffer.from(JSON.stringify({ typ: REFRESH_TYP, alg: 'RS256' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(signingPair().keyPem)).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  test('a refresh token without exp, or with a list audience, is refused though signed with our key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: 'purser', sub: 'alice', aud: REFRESH_AUDIENCE, svc: 'Docker registry', iat: now, exp: now + 3600, jti: 'x', src: 'htpasswd' };
    const exchange = (token: string) =>
      fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, service: 'Docker registry' }) });
    // The binding is checked too: a made-up fingerprint is refused as revoked, not accepted.
    assert.equal((await exchange(forgedRefresh({ ...good, bnd: { pwd: 'made-up' } }))).status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'refresh_token_revoked');
    const { exp: _exp, ...noExp } = good;
    assert.equal((await exchange(forgedRefresh({ ...noExp, bnd: {} }))).status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'invalid_refresh_token');
    assert.equal((await exchange(forgedRefresh({ ...good, aud: [REFRESH_AUDIENCE, 'other'], bnd: {} }))).status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'invalid_refresh_token');
  });
});

describe('a malformed X-Forwarded-For behind a trusted proxy (finding 4)', () => {
  const acl = 'acl:\n  - match: {ip: "127.0.0.0/8"}\n    actions: [pull, push]\n    comment: the proxy\'s network\n  - match: {}\n    actions: [pull]\n';
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ acl, env: { PURSER_TRUSTED_PROXIES: '127.0.0.1/32', PURSER_THROTTLE_IP_MAX: '2' } });
  });
  after(() => app.close());

  for (const header of ['unknown', '203.0.113.9, garbage', '_hidden']) {
    test(`${JSON.stringify(header)} matches no ip rule: the client is unknown, not the proxy`, async () => {
      const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:x:pull,push`, { headers: { 'X-Forwarded-For': header } });
      assert.equal(res.status, 200);
      assert.deepEqual(app.audit.at(-1)?.granted, ['repository:x:pull']);
      assert.equal(app.audit.at(-1)?.ip, undefined);
    });
  }

  test('an address with a port is that address', async () => {
    await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:x:pull,push`, { headers: { 'X-Forwarded-For': '127.0.0.9:5555' } });
    assert.equal(app.audit.at(-1)?.ip, '127.0.0.9');
    assert.deepEqual(app.audit.at(-1)?.granted, ['repository:x:pull,push']);
  });

  test('clients of unknown address share one throttle key, which does not lock out well-formed clients', async () => {
    const as = (xff: string, password: string) =>
      fetch(`${app.url}${AUTH}`, { headers: { Authorization: basic('bob', password), 'X-Forwarded-For': xff } });
    for (let i = 0; i < 3; i++) await as('garbage', `guess-${i}`);
    assert.equal((await as('also-garbage', 'bob-secret')).status, 429);
    assert.equal((await as('198.51.100.20', 'bob-secret')).status, 200);
  });
});

describe('PURSER_METRICS_LISTEN and PURSER_CORS_ORIGINS', () => {
  test('with a metrics listener, /metrics is served there and not on the token port', async () => {
    const server = await startFileServer({ env: { PURSER_METRICS_LISTEN: '127.0.0.1:0' } });
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      assert.ok(server.metricsPort !== undefined && server.metricsPort !== server.port);
      const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^purser_token_requests_total|^# HELP purser_/m);
      assert.equal((await fetch(`http://127.0.0.1:${server.metricsPort}/auth`)).status, 404);
    } finally {
      await server.stop();
    }
  });

  test('only listed origins get CORS answers, with credentials; preflights are answered', async () => {
    const app = await startTestApp({ env: { PURSER_CORS_ORIGINS: 'https://ui.example.com, http://localhost:8080' } });
    try {
      const preflight = await fetch(`${app.url}/auth`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://ui.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://ui.example.com');
      assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      const refused = await fetch(`${app.url}/auth`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('access-control-allow-origin'), null);

      const listed = await fetch(`${app.url}${AUTH}`, { headers: { Origin: 'http://localhost:8080', Authorization: basic('alice', 'alice-secret') } });
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get('access-control-allow-origin'), 'http://localhost:8080');
      assert.equal(listed.headers.get('vary'), 'Origin');
      const other = await fetch(`${app.url}${AUTH}`, { headers: { Origin: 'https://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      assert.equal(other.headers.get('access-control-allow-credentials'), null);
    } finally {
      await app.close();
    }
  });

  test('without PURSER_CORS_ORIGINS no CORS header is ever sent', async () => {
    const app = await startTestApp();
    try {
      const res = await fetch(`${app.url}${AUTH}`, { headers: { Origin: 'https://ui.example.com' } });
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    } finally {
      await app.close();
    }
  });
});

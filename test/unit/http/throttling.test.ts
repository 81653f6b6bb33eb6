import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startTestApp, type TestApp } from '../../helpers/app.js';
import { frozenClock, type FrozenClock } from '../../helpers/clock.js';
import { TEST_USERS } from '../../helpers/snapshot.js';
import { htpasswdFor } from '../../helpers/users.js';

const THROTTLE = {
  PURSER_THROTTLE_IP_MAX: '3',
  PURSER_THROTTLE_IP_WINDOW: '60',
  PURSER_THROTTLE_IP_LOCK: '60',
  PURSER_THROTTLE_IP_MAX_LOCK: '240',
  PURSER_THROTTLE_ACCOUNT_MAX: '6',
  PURSER_THROTTLE_ACCOUNT_WINDOW: '60',
  PURSER_THROTTLE_ACCOUNT_LOCK: '2',
  PURSER_THROTTLE_ACCOUNT_MAX_LOCK: '4',
};

/** A token request from `ip`: the test client is a trusted proxy (127.0.0.1) that says so. */
function login(app: TestApp, ip: string, user: string, password: string): Promise<Response> {
  return fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:${user}/app:pull`, {
    headers: { Authorization: basic(user, password), 'X-Forwarded-For': ip },
  });
}

async function bcryptRuns(app: TestApp): Promise<number> {
  const metric = await app.deps.metrics.passwordVerification.get();
  return metric.values.find((v) => v.metricName === 'purser_password_verification_seconds_count')?.value ?? 0;
}

describe('failed-login throttling', () => {
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    clock = frozenClock(Date.now());
    app = await startTestApp({ clock, env: { ...THROTTLE, PURSER_TRUSTED_PROXIES: '127.0.0.1/32' } });
  });
  after(() => app.close());

  test('locks out an attacker by IP while the real user pulls in parallel', async () => {
    const attacker = (async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await login(app, '198.51.100.7', 'alice', `guess-${i}`)).status);
      return statuses;
    })();
    const pulls = Promise.all(Array.from({ length: 40 }, () => login(app, '203.0.113.5', 'alice', TEST_USERS.alice).then((r) => r.status)));
    assert.deepEqual(await attacker, [401, 401, 401]);
    assert.deepEqual(new Set(await pulls), new Set([200]));

    const runs = await bcryptRuns(app);
    // bob's password has not been verified yet: checking it would be one more guess.
    const locked = await login(app, '198.51.100.7', 'bob', TEST_USERS.bob);
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '60');
    assert.deepEqual(await locked.json(), { errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed logins; retry in 60 s' }] });
    assert.equal(await bcryptRuns(app), runs, 'a locked IP is refused before any password is checked');
    assert.equal(app.audit.at(-1)?.outcome, 'throttled');
  });

  test('a locked address is refused even with a password verified a moment ago: the cache is no oracle', async () => {
    // alice's password is in the verified-credential cache (the parallel pulls above). Answered
    // before the throttle, it would tell the attacker which guess is right: 200 against 429.
    assert.equal((await login(app, '198.51.100.7', 'alice', TEST_USERS.alice)).status, 429);
  });

  test('the same wrong password again within a second is one attempt, not two (containerd asks by POST, then GET)', async () => {
    const before = app.audit.length;
    for (let i = 0; i < 5; i++) assert.equal((await login(app, '198.51.100.8', 'alice', 'one-typo')).status, 401);
    assert.deepEqual(app.audit.slice(before).map((e) => e.reason), ['wrong_password', 'repeated_failure', 'repeated_failure', 'repeated_failure', 'repeated_failure']);
    // One failure counted of the 3 allowed: two more guesses are still answered, the third locks.
    assert.equal((await login(app, '198.51.100.8', 'alice', 'typo-2')).status, 401);
    assert.equal((await login(app, '198.51.100.8', 'alice', 'typo-3')).status, 401);
    assert.equal((await login(app, '198.51.100.8', 'bob', TEST_USERS.bob)).status, 429);
  });

  test('one IP reaching its limit does not lock the account for everyone else', async () => {
    assert.equal((await login(app, '203.0.113.99', 'alice', TEST_USERS.alice)).status, 200);
  });

  test('anonymous requests from a locked IP are still served: only logins are throttled', async () => {
    const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:public/x:pull`, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    assert.equal(res.status, 200);
  });

  test('the lock grows with each further round of failures', async () => {
    clock.advance(61_000);
    for (let i = 0; i < 3; i++) assert.equal((await login(app, '198.51.100.7', 'bob', `nope-${i}`)).status, 401);
    assert.equal((await login(app, '198.51.100.7', 'bob', 'nope-3')).headers.get('retry-after'), '120');
  });

  test('attackers spread over many IPs lock the account only briefly; the real user is back within seconds', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await login(app, `192.0.2.${i + 1}`, 'admin', 'guess')).status, 401);
    const blocked = await login(app, '203.0.113.5', 'admin', TEST_USERS.admin);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) <= 2);
    clock.advance(2_000);
    assert.equal((await login(app, '203.0.113.5', 'admin', TEST_USERS.admin)).status, 200);
  });

  test('a successful login resets the account\'s count', async () => {
    clock.advance(61_000); // past the failures earlier tests left on bob
    for (let i = 0; i < 5; i++) await login(app, `192.0.2.${20 + i}`, 'bob', 'guess');
    assert.equal((await login(app, '203.0.113.7', 'bob', TEST_USERS.bob)).status, 200);
    for (let i = 0; i < 5; i++) await login(app, `192.0.2.${30 + i}`, 'bob', 'guess');
    assert.equal((await login(app, '203.0.113.7', 'bob', TEST_USERS.bob)).status, 200);
  });

  test('malformed requests are 4xx but not failed logins', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${app.url}/auth?service=Docker%20registry`, { headers: { Authorization: 'Basic bm9jb2xvbg==', 'X-Forwarded-For': '198.51.100.50' } });
      assert.equal(res.status, 400);
    }
    assert.equal((await login(app, '198.51.100.50', 'alice', TEST_USERS.alice)).status, 200);
  });

  test("bad tokens do not lock the address: they cannot be guessed, and a client retrying a revoked one must not lock out its neighbours", async () => {
    clock.advance(61_000); // the verified-credential cache forgets alice's password
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${app.url}/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '198.51.100.60' },
        body: `grant_type=refresh_token&refresh_token=forged-${i}&service=Docker%20registry`,
      });
      assert.equal(res.status, 401);
    }
    assert.equal((await login(app, '198.51.100.60', 'alice', TEST_USERS.alice)).status, 200);
  });

  test('throttled requests are counted in the metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(text, /^purser_throttled_requests_total\{key="ip"\} [1-9]/m);
    assert.match(text, /^purser_throttled_requests_total\{key="account"\} [1-9]/m);
  });
});

describe('guesses sent at the same moment', () => {
  let app: TestApp;
  before(async () => {
    // bcrypt at a real cost, so that a check lasts long enough for the guesses to overlap.
    const htpasswd = htpasswdFor(TEST_USERS, 10);
    app = await startTestApp({ htpasswd, env: { PURSER_THROTTLE_IP_MAX: '10', PURSER_TRUSTED_PROXIES: '127.0.0.1/32' } });
  });
  after(() => app.close());

  test('300 simultaneous guesses from one IP: at most PURSER_THROTTLE_IP_MAX are checked, and the right one (the 299th) is refused', async () => {
    const runs = await bcryptRuns(app);
    const guesses = Array.from({ length: 300 }, (_, i) => (i === 298 ? TEST_USERS.alice : `guess-${i}`));
    const statuses = await Promise.all(guesses.map((password) => login(app, '198.51.100.7', 'alice', password).then((r) => r.status)));
    assert.equal(statuses[298], 429, 'the right password, sent among the guesses, is not let through');
    assert.ok((await bcryptRuns(app)) - runs <= 10, `bcrypt ran ${(await bcryptRuns(app)) - runs} times`);
    assert.equal(statuses.filter((status) => status === 401).length, 10);
    assert.equal(statuses.filter((status) => status === 429).length, 290);
    assert.equal(app.audit.filter((event) => event.outcome === 'failed').length, 10);
  });

  test('50 parallel correct logins from one IP never see a 429', async () => {
    const statuses = await Promise.all(Array.from({ length: 50 }, () => login(app, '203.0.113.50', 'bob', TEST_USERS.bob).then((r) => r.status)));
    assert.deepEqual(new Set(statuses), new Set([200]));
  });
});

describe('an attacker rotating through 35 addresses', () => {
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    clock = frozenClock(Date.now());
    const env = {
      PURSER_THROTTLE_IP_MAX: '10',
      PURSER_THROTTLE_ACCOUNT_MAX: '6',
      PURSER_THROTTLE_ACCOUNT_LOCK: '2',
      PURSER_THROTTLE_ACCOUNT_MAX_LOCK: '4',
      PURSER_TRUSTED_PROXIES: '127.0.0.1/32',
    };
    app = await startTestApp({ clock, env });
  });
  after(() => app.close());

  test('keeps the account locked for new addresses, but not for the address its user logged in from', async () => {
    assert.equal((await login(app, '203.0.113.5', 'alice', TEST_USERS.alice)).status, 200, 'the user, from his usual address');
    const user: number[] = [];
    let accountLocks = 0;
    let guess = 0;
    for (let round = 0; round < 80; round++) {
      // Every half second: a burst of guesses, then the real user logs in.
      for (let k = 0; k < 6; k++, guess++) {
        const res = await login(app, `198.18.0.${guess % 35}`, 'alice', `guess-${guess}`);
        if (res.status === 429 && Number(res.headers.get('retry-after')) <= 4) accountLocks++;
      }
      user.push((await login(app, '203.0.113.5', 'alice', TEST_USERS.alice)).status);
      clock.advance(500);
    }
    assert.deepEqual(new Set(user), new Set([200]), 'the real user is never refused');
    assert.ok(accountLocks >= 240, `attackers are still slowed: the account refused them ${accountLocks} times in 480`);
    assert.equal((await login(app, '198.18.2.1', 'alice', TEST_USERS.alice)).status, 429, "the user's logins do not unlock the account for new addresses");
  });
});

describe('a forged X-Forwarded-For from an untrusted peer', () => {
  const acl = 'acl:\n  - match: {ip: "10.0.0.0/8"}\n    actions: [pull, push]\n  - match: {}\n    actions: [pull]\n';

  test('changes neither the ip ACL rules nor the throttling', async () => {
    const app = await startTestApp({ acl, env: THROTTLE });
    try {
      const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:x:push`, { headers: { 'X-Forwarded-For': '10.1.2.3' } });
      assert.deepEqual(((await res.json()) as { token: string }).token.length > 0, true);
      assert.equal(app.audit.at(-1)?.ip, '127.0.0.1');
      assert.deepEqual(app.audit.at(-1)?.granted, []);
      // Rotating the forged address does not escape the lock on the real one.
      for (let i = 0; i < 3; i++) assert.equal((await login(app, `10.9.9.${i}`, 'alice', `guess-${i}`)).status, 401);
      assert.equal((await login(app, '10.9.9.200', 'alice', TEST_USERS.alice)).status, 429);
    } finally {
      await app.close();
    }
  });

  test('from a trusted proxy, the header is the client\'s address', async () => {
    const app = await startTestApp({ acl, env: { ...THROTTLE, PURSER_TRUSTED_PROXIES: '127.0.0.0/8' } });
    try {
      await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:x:push`, { headers: { 'X-Forwarded-For': '198.51.100.1, 10.1.2.3' } });
      assert.equal(app.audit.at(-1)?.ip, '10.1.2.3');
      assert.deepEqual(app.audit.at(-1)?.granted, ['repository:x:push']);
    } finally {
      await app.close();
    }
  });
});

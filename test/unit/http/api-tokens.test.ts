import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateSecret, hashSecret } from '../../../src/authn/api-token-secret.js';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { frozenClock, type FrozenClock } from '../../helpers/clock.js';
import { testSnapshot } from '../../helpers/snapshot.js';

const ACL = `
groups: {developers: [alice]}
acl:
  - {match: {labels: {group: ci}, name: "team/**"}, actions: [pull, push], comment: ci pushes team images}
  - {match: {labels: {group: ci}}, actions: [pull], comment: ci pulls anything}
  - {match: {labels: {group: developers}}, actions: [pull, push, delete], comment: developers}
  - {match: {account: "/.+/", name: "\${account}/**"}, actions: [pull, push], comment: own namespace}
`;

const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const ROBOT = generateSecret();
const PERSONAL = generateSecret();
const SHORT = generateSecret();

function entry(id: string, account: string, name: string, secret: string, extra: string): string {
  return `- id: ${id}\n  account: ${account}\n  name: ${name}\n  hash: ${hashSecret(secret)}\n  created: 2026-11-01T00:00:00Z\n${extra}`;
}
const TOKENS = [
  entry('tok_robot1', 'ci-bot', 'github', ROBOT, '  robot: true\n  groups: [ci]\n  scopes: ["repository:team/**:pull,push"]\n  expires: 2027-06-01T00:00:00Z\n'),
  entry('tok_alice1', 'alice', 'laptop', PERSONAL, '  scopes: ["repository:alice/**:pull,push", "repository:team/**:pull"]\n  expires: never\n'),
  entry('tok_short1', 'ci-bot', 'short', SHORT, '  robot: true\n  groups: [ci]\n  expires: 2026-12-01T13:00:00Z\n'),
].join('');

function auth(app: TestApp, user: string, secret: string, scope: string, extra = ''): Promise<Response> {
  return fetch(`${app.url}/auth?service=Docker%20registry&scope=${scope}${extra}`, { headers: { Authorization: basic(user, secret) } });
}

async function access(res: Response): Promise<unknown> {
  assert.equal(res.status, 200);
  return decodeJwt(((await res.json()) as { token: string }).token).claims.access;
}

describe('API tokens at /auth', () => {
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    clock = frozenClock(START);
    app = await startTestApp({ clock, acl: ACL, apiTokens: TOKENS });
  });
  after(() => app.close());

  test("a robot's token pushes to its namespace; the cap takes away what the ACL would allow elsewhere", async () => {
    assert.deepEqual(await access(await auth(app, 'ci-bot', ROBOT, 'repository:team/app:pull,push')), [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    const event = app.audit.at(-1);
    assert.equal(event?.source, 'api-token');
    assert.deepEqual(event?.identity, { token_id: 'tok_robot1', token_name: 'github' });
    // The ACL lets ci pull anything; the token's scopes allow team/** only.
    assert.deepEqual(await access(await auth(app, 'ci-bot', ROBOT, 'repository:other/app:pull')), [{ type: 'repository', name: 'other/app', actions: [] }]);
    assert.deepEqual(app.audit.at(-1)?.decisions, [{ scope: 'repository:other/app:pull', rule: 1, comment: 'ci pulls anything', capped: true }]);
  });

  test('a cap wider than the ACL grants nothing extra', async () => {
    // The personal token allows team/** pull; alice (a developer) may push there, the cap says pull.
    assert.deepEqual(await access(await auth(app, 'alice', PERSONAL, 'repository:team/app:pull,push,delete')), [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    // Her own namespace: the cap allows pull and push, the ACL grants them.
    assert.deepEqual(await access(await auth(app, 'alice', PERSONAL, 'repository:alice/x:pull,push')), [{ type: 'repository', name: 'alice/x', actions: ['pull', 'push'] }]);
  });

  test('the OAuth2 password grant takes a token as the password', async () => {
    const res = await fetch(`${app.url}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'ci-bot', password: ROBOT, service: 'Docker registry', scope: 'repository:team/app:push' }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { scope: string }).scope, 'repository:team/app:push');
  });

  const refusals: Array<[string, string, string, string]> = [
    ['another user name than the token account', 'alice', ROBOT, 'api_token_wrong_account'],
    ['a mistyped token (checksum)', 'ci-bot', `${ROBOT.slice(0, 20)}${ROBOT[20] === 'x' ? 'y' : 'x'}${ROBOT.slice(21)}`, 'api_token_mistyped'],
    ['a well-formed token nobody issued', 'ci-bot', generateSecret(), 'api_token_unknown'],
  ];
  for (const [what, user, secret, reason] of refusals) {
    test(`refuses ${what} with the same 401 as a wrong password`, async () => {
      const res = await auth(app, user, secret, 'repository:team/app:pull');
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] });
      assert.equal(app.audit.at(-1)?.reason, reason);
    });
  }

  test('an expired token is refused, and the audit event names it', async () => {
    assert.equal((await auth(app, 'ci-bot', SHORT, 'repository:team/app:pull')).status, 200);
    clock.set(Date.UTC(2026, 11, 1, 13, 0, 0));
    try {
      assert.equal((await auth(app, 'ci-bot', SHORT, 'repository:team/app:pull')).status, 401);
      const event = app.audit.at(-1);
      assert.equal(event?.reason, 'api_token_expired');
      assert.deepEqual(event?.identity, { token_id: 'tok_short1', token_name: 'short' });
    } finally {
      clock.set(START);
    }
  });

  test('the audit log and metrics name the source, never the secret', async () => {
    assert.equal(JSON.stringify(app.audit).includes(ROBOT), false);
    assert.equal(JSON.stringify(app.audit).includes(ROBOT.slice(7, 30)), false);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(text, /purser_token_requests_total\{outcome="granted",grant_type="password",source="api-token"\} [1-9]/);
  });

  test("docker login's refresh token is bound to the API token and never outlives it", async () => {
    const res = await auth(app, 'ci-bot', SHORT, 'repository:team/app:pull', '&offline_token=true');
    const { refresh_token: refresh } = (await res.json()) as { refresh_token: string };
    assert.equal(decodeJwt(refresh).claims.exp, Date.UTC(2026, 11, 1, 13, 0, 0) / 1000);
    const exchange = () =>
      fetch(`${app.url}/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, service: 'Docker registry', scope: 'repository:team/app:pull' }),
      });
    assert.equal((await exchange()).status, 200);
    assert.equal(app.audit.at(-1)?.source, 'api-token');
    // Revoked: the entry leaves the file.
    const previous = app.store.current();
    app.store.swap(testSnapshot({ acl: ACL, apiTokens: TOKENS.split('- id: ').filter((e) => e !== '' && !e.startsWith('tok_short1')).map((e) => `- id: ${e}`).join('') }));
    try {
      assert.equal((await exchange()).status, 401);
      assert.equal(app.audit.at(-1)?.reason, 'api_token_revoked');
    } finally {
      app.store.swap(previous);
    }
  });

  test('a personal token dies with its user; a robot token needs none', async () => {
    assert.equal((await auth(app, 'alice', PERSONAL, 'repository:alice/x:pull')).status, 200);
    const previous = app.store.current();
    app.store.swap(testSnapshot({ acl: ACL, apiTokens: TOKENS, users: { bob: 'bob-secret' } }));
    try {
      assert.equal((await auth(app, 'alice', PERSONAL, 'repository:alice/x:pull')).status, 401);
      assert.equal(app.audit.at(-1)?.reason, 'api_token_user_gone');
      assert.equal((await auth(app, 'ci-bot', ROBOT, 'repository:team/app:pull')).status, 200);
    } finally {
      app.store.swap(previous);
    }
  });

  test('token logins run no bcrypt', async () => {
    const metric = await app.deps.metrics.passwordVerification.get();
    const before = metric.values.find((v) => v.metricName === 'purser_password_verification_seconds_count')?.value ?? 0;
    for (let i = 0; i < 5; i++) await auth(app, 'ci-bot', ROBOT, 'repository:team/app:pull');
    const after2 = (await app.deps.metrics.passwordVerification.get()).values.find((v) => v.metricName === 'purser_password_verification_seconds_count')?.value ?? 0;
    assert.equal(after2, before);
  });
});

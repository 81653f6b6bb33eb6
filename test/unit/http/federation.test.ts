import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { JwksCache } from '../../../src/authn/federation/jwks-cache.js';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { frozenClock, type FrozenClock } from '../../helpers/clock.js';
import { freePort } from '../../helpers/free-port.js';
import { startTestIssuer, type TestIssuer } from '../../helpers/test-issuer.js';

const ACL = `
acl:
  - {match: {account: "/^github:/", name: "\${labels:repository}/**"}, actions: [pull, push], comment: each repository its namespace}
  - {match: {account: "/^k8s:/", name: "\${labels:namespace}/**"}, actions: [pull], comment: each namespace pulls its own}
`;

/** The claims GitHub Actions puts in an id-token (docs: "About security hardening with OpenID Connect"). */
function github(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: 'registry.example.com',
    sub: 'repo:acme/app:ref:refs/heads/main',
    jti: 'e5c5b0f2-1d5b-4a57-9c5b-8e1e7b0a3b11',
    repository: 'acme/app',
    repository_id: '690001',
    repository_owner: 'acme',
    repository_owner_id: '1234567',
    ref: 'refs/heads/main',
    event_name: 'push',
    workflow: 'build',
    ...overrides,
  };
}

/** A projected service-account token's claims (Kubernetes, audience-bound). */
function kubernetes(namespace: string): Record<string, unknown> {
  return {
    aud: ['registry.example.com'],
    sub: `system:serviceaccount:${namespace}:builder`,
    'kubernetes.io': { namespace, serviceaccount: { name: 'builder', uid: 'a1b2' }, pod: { name: 'p', uid: 'c3' } },
  };
}

function federation(gh: TestIssuer, k8s: TestIssuer, extra = ''): string {
  return `
- name: github
  issuer: ${gh.issuer}
  audience: registry.example.com
  claims:
    repository_owner_id: "1234567"
    event_name: [push, workflow_dispatch]
  account: "github:\${claims:repository}"
  labels: {repository: "\${claims:repository}", ref: "\${claims:ref}"}
  max_lifetime: 1h
- name: k8s
  issuer: ${k8s.issuer}
  audience: registry.example.com
  claims:
    /kubernetes.io/namespace: "/^team-/"
  account: "k8s:\${claims:/kubernetes.io/namespace}:\${claims:/kubernetes.io/serviceaccount/name}"
  labels: {namespace: "\${claims:/kubernetes.io/namespace}"}
${extra}`;
}

describe('OIDC workload identity federation at /auth', () => {
  let gh: TestIssuer;
  let k8s: TestIssuer;
  let stranger: TestIssuer;
  let app: TestApp;
  let clock: FrozenClock;
  before(async () => {
    [gh, k8s, stranger] = await Promise.all([startTestIssuer(), startTestIssuer(), startTestIssuer()]);
    clock = frozenClock(Date.now());
    app = await startTestApp({ clock, acl: ACL, federation: federation(gh, k8s), jwks: new JwksCache({ cooldownMs: 0 }) });
  });
  after(async () => {
    await app.close();
    await Promise.all([gh.close(), k8s.close(), stranger.close()]);
  });

  const login = (user: string, token: string, scope: string) =>
    fetch(`${app.url}/auth?service=Docker%20registry&scope=${scope}`, { headers: { Authorization: basic(user, token) } });

  async function granted(res: Response): Promise<unknown> {
    assert.equal(res.status, 200, await res.clone().text());
    return (decodeJwt(((await res.json()) as { token: string }).token).claims.access as Array<{ actions: string[] }>).map((a) => a.actions);
  }

  test('a GitHub Actions job pushes to its own repository namespace and nowhere else', async () => {
    const token = await gh.sign(github());
    assert.deepEqual(await granted(await login('github', token, 'repository:acme/app/image:pull,push')), [['pull', 'push']]);
    const event = app.audit.at(-1);
    assert.equal(event?.account, 'github:acme/app');
    assert.equal(event?.source, 'oidc');
    assert.deepEqual(event?.identity, { issuer: 'github', sub: 'repo:acme/app:ref:refs/heads/main', jti: 'e5c5b0f2-1d5b-4a57-9c5b-8e1e7b0a3b11' });
    assert.equal(JSON.stringify(app.audit).includes(token.split('.')[2] as string), false, 'the token is never logged');
    assert.deepEqual(await granted(await login('github', token, 'repository:acme/other/image:pull')), [[]]);
  });

  test('a Kubernetes service-account token: nested claims by JSON Pointer', async () => {
    const token = await k8s.sign(kubernetes('team-a'));
    assert.deepEqual(await granted(await login('k8s', token, 'repository:team-a/app:pull,push')), [['pull']]);
    assert.equal(app.audit.at(-1)?.account, 'k8s:team-a:builder');
  });

  const refusals: Array<[string, () => Promise<[string, string]>, string]> = [
    ['a token for another audience', async () => ['github', await gh.sign(github({ aud: 'other.example.com' }))], 'wrong_audience'],
    ['a token of another issuer', async () => ['github', await stranger.sign(github())], 'wrong_issuer'],
    ['an expired token', async () => ['github', await gh.sign(github({ exp: Math.floor(Date.now() / 1000) - 120 }))], 'token_expired'],
    ['a token not yet valid', async () => ['github', await gh.sign(github({ nbf: Math.floor(Date.now() / 1000) + 600 }))], 'token_not_yet_valid'],
    ['a token too old (iat beyond max_token_age)', async () => ['github', await gh.sign(github({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) + 300 }))], 'token_too_old'],
    ['a key not in the JWKS', async () => ['github', await gh.sign(github(), { key: 'unpublished' })], 'unknown_key'],
    ['another key under a published kid', async () => ['github', await gh.sign(github(), { key: 'unpublished', kid: 'key-1' })], 'bad_signature'],
    ['an unmet claim condition (a pull_request from a fork)', async () => ['github', await gh.sign(github({ event_name: 'pull_request' }))], 'claim_condition_unmet'],
    ['another owner id (a re-registered name)', async () => ['github', await gh.sign(github({ repository_owner_id: '999' }))], 'claim_condition_unmet'],
    ['a claim the account template needs is missing', async () => ['github', await gh.sign(github({ repository: undefined }))], 'claim_missing'],
    ['a non-string claim in a template', async () => ['github', await gh.sign(github({ repository: 42 }))], 'claim_missing'],
    ['a namespace outside the regex', async () => ['k8s', await k8s.sign(kubernetes('kube-system'))], 'claim_condition_unmet'],
    ['alg none', async () => ['github', unsigned(github({ iss: gh.issuer }))], 'algorithm_not_allowed'],
    ['HMAC signed with the public key as the secret', async () => ['github', await hmacWithPublicKey(gh)], 'algorithm_not_allowed'],
    ['a password that is not a token', async () => ['github', 'hunter2'], 'not_a_token'],
  ];
  for (const [what, make, reason] of refusals) {
    test(`refuses ${what} with the usual 401`, async () => {
      const [user, token] = await make();
      const res = await login(user, token, 'repository:acme/app/image:pull');
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] });
      assert.equal(app.audit.at(-1)?.reason, reason);
    });
  }

  test('the RFC 8693 token exchange: an access token and a refresh token that outlives the CI token, never max_lifetime', async () => {
    const subject = await gh.sign(github({ exp: Math.floor(clock.now() / 1000) + 300 }));
    const res = await fetch(`${app.url}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        service: 'Docker registry',
        scope: 'repository:acme/app/image:pull,push',
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string; refresh_token: string; issued_token_type: string; scope: string };
    assert.equal(body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(body.scope, 'repository:acme/app/image:pull,push');
    assert.equal(decodeJwt(body.refresh_token).claims.exp, Math.floor(clock.now() / 1000) + 3600);
    const refresh = () =>
      fetch(`${app.url}/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: body.refresh_token, service: 'Docker registry', scope: 'repository:acme/app/image:push' }),
      });
    const start = clock.now();
    try {
      clock.advance(20 * 60_000); // the CI token has long expired; the push goes on
      const again = await refresh();
      assert.equal(again.status, 200);
      assert.equal(((await again.json()) as { scope: string }).scope, 'repository:acme/app/image:push');
      assert.equal(app.audit.at(-1)?.source, 'oidc');
      clock.advance(41 * 60_000); // past max_lifetime
      assert.equal((await refresh()).status, 401);
    } finally {
      clock.set(start);
    }
  });

  test('the exchange refuses a token no entry trusts, and malformed exchanges are 400', async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', service: 'Docker registry', ...fields }) });
    const untrusted = await post({ subject_token: await stranger.sign(github()), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
    assert.equal(untrusted.status, 401);
    assert.equal(app.audit.at(-1)?.reason, 'untrusted_issuer');
    assert.equal((await post({ subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' })).status, 400);
    assert.equal((await post({ subject_token: 'x', subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' })).status, 400);
  });

  test('the provider rotates its keys while purser runs: a token with the new kid is accepted', async () => {
    const fetchesBefore = gh.fetches();
    await gh.rotate();
    const token = await gh.sign(github());
    assert.equal((await login('github', token, 'repository:acme/app/image:pull')).status, 200);
    assert.equal(gh.fetches(), fetchesBefore + 1, 'the unknown kid made purser fetch the keys once');
  });
});

describe('an issuer down at start', () => {
  test('does not stop purser; its tokens are refused until it answers, then accepted', async () => {
    const port = await freePort();
    const gh = await startTestIssuer(port);
    const token = await gh.sign(github());
    await gh.down();
    const k8s = await startTestIssuer();
    const app = await startTestApp({ acl: ACL, federation: federation(gh, k8s), jwks: new JwksCache({ cooldownMs: 0 }) });
    try {
      const login = () => fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:acme/app/x:pull`, { headers: { Authorization: basic('github', token) } });
      assert.equal((await login()).status, 401);
      assert.equal(app.audit.at(-1)?.reason, 'issuer_keys_unavailable');
      // The other issuer is not affected.
      const other = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:team-a/x:pull`, { headers: { Authorization: basic('k8s', await k8s.sign(kubernetes('team-a'))) } });
      assert.equal(other.status, 200);
      await gh.up();
      assert.equal((await login()).status, 200);
    } finally {
      await app.close();
      await Promise.all([gh.close(), k8s.close()]);
    }
  });
});

/** A token with alg "none" and no signature. */
function unsigned(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iat: now, exp: now + 300, ...claims })}.`;
}

/** The classic confusion attack: HS256 with the issuer's public key material as the HMAC secret. */
async function hmacWithPublicKey(issuer: TestIssuer): Promise<string> {
  const jwks = (await (await fetch(`${issuer.issuer}/jwks`)).json()) as { keys: Array<{ n: string; kid: string }> };
  const key = jwks.keys[0] as { n: string; kid: string };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer.issuer, iat: now, exp: now + 300, ...github() })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(Buffer.from(key.n, 'base64url'));
}

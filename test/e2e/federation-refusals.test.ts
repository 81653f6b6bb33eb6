/**
 * Every token a federated login must refuse, presented to a running purser whose issuers are real
 * HTTP servers on loopback: oidc-provider (GitLab CI's claim set) and the jose test issuer (GitHub
 * Actions' and Kubernetes'). Each refusal looks exactly like a wrong password, at GET /auth (what
 * docker, skopeo and podman use) and in the RFC 8693 token exchange, and purser's audit log says
 * why. The rows are kept in one table so that `purser federation check` can be run on each.
 */
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT, type JWK } from 'jose';
import { startTestIssuer, type TestIssuer } from '../helpers/test-issuer.js';
import { githubActionsClaims, gitlabCiClaims, kubernetesClaims } from '../helpers/workload-claims.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { outputMark, waitForAudit } from './harness/purser-audit.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startOidcProvider, type RunningOidcProvider } from './harness/start-oidc-provider.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';

const ACL = `
acl:
  - {match: {account: "/^(github|gitlab|k8s):/"}, actions: [pull], comment: any federated identity pulls}
`;
/** Refused logins from 127.0.0.1 are the point here; throttling has its own tests (redis-throttle). */
const NO_THROTTLE = { PURSER_THROTTLE_IP_MAX: '1000', PURSER_THROTTLE_ACCOUNT_MAX: '1000' };
const GITLAB_AUDIENCE = 'https://registry.example.com';
const GITLAB_CLIENTS = [
  { clientId: 'acme-web', secret: 'acme-web-secret', claims: gitlabCiClaims('acme/web') },
  { clientId: 'acme-web-feature', secret: 'feature-secret', claims: gitlabCiClaims('acme/web', { ref: 'feature', ref_path: 'refs/heads/feature', ref_protected: 'false' }) },
  { clientId: 'no-project-path', secret: 'no-project-secret', claims: gitlabCiClaims('acme/web', { project_path: undefined }) },
];

let github: TestIssuer;
let kubernetes: TestIssuer;
let stranger: TestIssuer;
let gitlab: RunningOidcProvider;
let purser: RunningPurser;
let registry: RunningRegistry;

before(async () => {
  [github, kubernetes, stranger, gitlab] = await Promise.all([startTestIssuer(), startTestIssuer(), startTestIssuer(), startOidcProvider({ clients: GITLAB_CLIENTS })]);
  const federationFile = join(makeTempDir('federation'), 'federation.yml');
  writeFileSync(
    federationFile,
    `
- name: github
  issuer: ${github.issuer}
  audience: registry.example.com
  claims: {repository_owner_id: "1234567", event_name: [push, workflow_dispatch]}
  account: "github:\${claims:repository}"
  max_token_age: 1h
- name: gitlab
  issuer: ${gitlab.issuer}
  audience: ${GITLAB_AUDIENCE}
  claims: {namespace_id: "4242", ref_protected: "true"}
  account: "gitlab:\${claims:project_path}"
- name: k8s
  issuer: ${kubernetes.issuer}
  audience: registry.example.com
  claims: {/kubernetes.io/namespace: "/^team-/"}
  account: "k8s:\${claims:/kubernetes.io/namespace}:\${claims:/kubernetes.io/serviceaccount/name}"
`,
  );
  purser = await startPurser({ acl: ACL, users: { admin: 'admin-secret' }, env: { PURSER_FEDERATION: federationFile, ...NO_THROTTLE } });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
});

after(async () => {
  await registry?.stop();
  await purser?.stop();
  await Promise.all([github?.close(), kubernetes?.close(), stranger?.close(), gitlab?.stop()]);
});

const now = (): number => Math.floor(Date.now() / 1000);

interface Refusal {
  readonly what: string;
  /** The user name (the entry) presented with the token. */
  readonly user: 'github' | 'gitlab' | 'k8s';
  readonly token: () => Promise<string>;
  /** The reason in purser's audit event (stable codes from src/authn/federation). */
  readonly reason: string;
  /** The token exchange picks the entry by `iss`, so a few rows end differently there; false: not applicable. */
  readonly exchangeReason?: string | false;
}

/** The cases the issue lists, then a few more of the same kind. */
const REFUSALS: readonly Refusal[] = [
  { what: 'a GitLab token (oidc-provider) for another audience', user: 'gitlab', token: () => gitlab.token('acme-web', 'https://other.example.com'), reason: 'wrong_audience' },
  { what: "a GitHub token with GitHub's default audience (the owner's URL)", user: 'github', token: () => github.sign(githubActionsClaims({ aud: 'https://github.com/acme' })), reason: 'wrong_audience' },
  { what: 'a token of an issuer nobody trusts', user: 'github', token: () => stranger.sign(githubActionsClaims()), reason: 'wrong_issuer', exchangeReason: 'untrusted_issuer' },
  { what: "another trusted issuer's token under the wrong name", user: 'github', token: () => kubernetes.sign(kubernetesClaims('team-a')), reason: 'wrong_issuer', exchangeReason: false },
  { what: 'an expired token (beyond the 30 s leeway)', user: 'github', token: () => github.sign(githubActionsClaims({ iat: now() - 600, exp: now() - 120 })), reason: 'token_expired' },
  { what: 'a token not yet valid (nbf)', user: 'github', token: () => github.sign(githubActionsClaims({ nbf: now() + 600, exp: now() + 900 })), reason: 'token_not_yet_valid' },
  { what: 'a token too old (iat beyond max_token_age, exp still ahead)', user: 'github', token: () => github.sign(githubActionsClaims({ iat: now() - 7200, exp: now() + 300 })), reason: 'token_too_old' },
  { what: 'a token with alg none, claiming to be from oidc-provider', user: 'gitlab', token: () => unsignedLike(gitlab), reason: 'algorithm_not_allowed' },
  { what: "a token HMAC-signed with oidc-provider's public key (from its JWKS)", user: 'gitlab', token: () => hmacWithPublicKey(gitlab), reason: 'algorithm_not_allowed' },
  { what: 'a token signed with a key not in the JWKS', user: 'github', token: () => github.sign(githubActionsClaims(), { key: 'unpublished' }), reason: 'unknown_key' },
  { what: "a token signed with another key under a published kid", user: 'github', token: () => github.sign(githubActionsClaims(), { key: 'unpublished', kid: 'key-1' }), reason: 'bad_signature' },
  { what: 'a claim condition unmet: a GitHub pull_request event', user: 'github', token: () => github.sign(githubActionsClaims({ event_name: 'pull_request' })), reason: 'claim_condition_unmet' },
  { what: 'a claim condition unmet: a GitLab job on an unprotected branch (oidc-provider)', user: 'gitlab', token: () => gitlab.token('acme-web-feature', GITLAB_AUDIENCE), reason: 'claim_condition_unmet' },
  { what: 'a claim condition unmet: a Kubernetes namespace outside the regex', user: 'k8s', token: () => kubernetes.sign(kubernetesClaims('kube-system')), reason: 'claim_condition_unmet' },
  { what: 'a claim the account template needs is missing (GitHub repository)', user: 'github', token: () => github.sign(githubActionsClaims({ repository: undefined })), reason: 'claim_missing' },
  { what: 'a claim the account template needs is missing (GitLab project_path, oidc-provider)', user: 'gitlab', token: () => gitlab.token('no-project-path', GITLAB_AUDIENCE), reason: 'claim_missing' },
];

async function basicLogin(user: string, password: string): Promise<{ status: number; body: string; challenge: string | null }> {
  const response = await fetch(`${purser.realm}?service=Docker+registry&scope=repository:acme/web/image:pull`, {
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  });
  return { status: response.status, body: await response.text(), challenge: response.headers.get('www-authenticate') };
}

async function post(fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(purser.realm, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ service: 'Docker registry', scope: 'repository:acme/web/image:pull', ...fields }),
  });
  return { status: response.status, body: await response.text() };
}

describe('tokens a federated login refuses, at GET /auth', () => {
  let wrongPassword: Awaited<ReturnType<typeof basicLogin>>;
  before(async () => {
    wrongPassword = await basicLogin('admin', 'not-the-password');
  });

  test('the tokens the table varies are accepted as they are', async () => {
    const good = await Promise.all([github.sign(githubActionsClaims()), gitlab.token('acme-web', GITLAB_AUDIENCE), kubernetes.sign(kubernetesClaims('team-a'))]);
    for (const [user, token] of [['github', good[0]], ['gitlab', good[1]], ['k8s', good[2]]] as const) {
      const answer = await basicLogin(user, token);
      assert.equal(answer.status, 200, `${user}: ${answer.body}`);
    }
  });

  for (const row of REFUSALS) {
    test(`refuses ${row.what} exactly like a wrong password (${row.reason})`, async () => {
      const mark = await outputMark(purser);
      const answer = await basicLogin(row.user, await row.token());
      assert.deepEqual(answer, wrongPassword);
      assert.equal(answer.status, 401);
      const event = await waitForAudit(purser, mark, (e) => e.outcome === 'failed' && e.method === 'GET');
      assert.equal(event.reason, row.reason);
    });
  }

  test('skopeo sees a refused token as it sees a wrong password', async () => {
    const ref = `docker://${registry.host}/acme/web/image:v1`;
    const expired = await github.sign(githubActionsClaims({ iat: now() - 600, exp: now() - 120 }));
    const byToken = await skopeo(['inspect', '--tls-verify=false', `--creds=github:${expired}`, ref]);
    const byPassword = await skopeo(['inspect', '--tls-verify=false', '--creds=admin:not-the-password', ref]);
    assert.notEqual(byToken.code, 0, describeResult(byToken));
    const refused = /unable to retrieve auth token: invalid username\/password: unauthorized: authentication failed/;
    assert.match(byToken.stderr, refused, describeResult(byToken));
    assert.match(byPassword.stderr, refused, describeResult(byPassword));
  });
});

describe('tokens a federated login refuses, in the token exchange (RFC 8693)', () => {
  let wrongPassword: Awaited<ReturnType<typeof post>>;
  before(async () => {
    wrongPassword = await post({ grant_type: 'password', username: 'admin', password: 'not-the-password' });
  });

  for (const row of REFUSALS.filter((r) => r.exchangeReason !== false)) {
    test(`refuses ${row.what} (${row.exchangeReason ?? row.reason})`, async () => {
      const mark = await outputMark(purser);
      const answer = await post({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await row.token(), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
      assert.deepEqual(answer, wrongPassword);
      assert.equal(answer.status, 401);
      const event = await waitForAudit(purser, mark, (e) => e.outcome === 'failed' && e.grantType === 'token_exchange');
      assert.equal(event.reason, row.exchangeReason ?? row.reason);
    });
  }
});

// The place for `purser federation check` (the CLI, being written separately): run it with this
// purser's federation file on each row's token and expect the row's reason, as the server gives it.
describe('purser federation check on each refused token', () => {
  for (const row of REFUSALS) {
    test(`federation check explains ${row.what} (${row.reason})`, { todo: 'purser federation check is being written separately' });
  }
});

/** An unsigned token (alg "none") with a GitLab job's claims and the provider's iss and kid. */
async function unsignedLike(provider: RunningOidcProvider): Promise<string> {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { ...gitlabCiClaims('acme/web'), iss: provider.issuer, aud: GITLAB_AUDIENCE, iat: now(), exp: now() + 300 };
  return `${part({ alg: 'none', typ: 'at+jwt', kid: provider.kid })}.${part(claims)}.`;
}

/**
 * The classic algorithm confusion: HS256 keyed with the provider's public key, as PEM, read from
 * its published JWKS; a verifier that let the token pick the algorithm would accept it.
 */
async function hmacWithPublicKey(provider: RunningOidcProvider): Promise<string> {
  const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: JWK[] };
  const published = jwks.keys[0] as JWK;
  const pem = createPublicKey({ key: published as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return new SignJWT({ ...gitlabCiClaims('acme/web'), aud: GITLAB_AUDIENCE })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: published.kid ?? '' })
    .setIssuer(provider.issuer)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(Buffer.from(pem));
}

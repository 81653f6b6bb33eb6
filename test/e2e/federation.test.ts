/**
 * OIDC workload identity federation with real clients and real issuers on loopback: a GitHub
 * Actions job and a GitLab CI job push with skopeo into their own namespaces and nowhere else,
 * containerd pulls with a GitHub job's and a pod's token, a job exchanges its token (RFC 8693) and
 * pushes after it expired, and oidc-provider rotates its keys while purser runs. GitLab's tokens
 * come from a real OpenID Provider (oidc-provider); GitHub's and Kubernetes' claim sets, which it
 * cannot shape, from the jose test issuer, which serves real discovery and JWKS documents too.
 * The refusals are in federation-refusals.test.ts, an issuer down at start in federation-outage.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestIssuer, type TestIssuer } from '../helpers/test-issuer.js';
import { githubActionsClaims, gitlabCiClaims, kubernetesClaims } from '../helpers/workload-claims.js';
import { ctr } from './harness/ctr.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { auditSince, outputMark, waitForAudit } from './harness/purser-audit.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startContainerd, type RunningContainerd } from './harness/start-containerd.js';
import { newSigningKey, startOidcProvider, type OidcClient, type RunningOidcProvider } from './harness/start-oidc-provider.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - {match: {account: admin}, actions: ["*"], comment: sets up images}
  - {match: {account: "/^github:/", name: "\${labels:repository}/**"}, actions: [pull, push], comment: a GitHub repository's namespace}
  - {match: {account: "/^gitlab:/", name: "\${labels:project}/**"}, actions: [pull, push], comment: a GitLab project's namespace}
  - {match: {account: "/^k8s:/", name: "\${labels:namespace}/**"}, actions: [pull], comment: a namespace's pods pull its images}
`;
const ADMIN = 'admin:admin-secret';
/** Refused logins from 127.0.0.1 are the point of some tests; throttling has its own (redis-throttle). */
const NO_THROTTLE = { PURSER_THROTTLE_IP_MAX: '1000', PURSER_THROTTLE_ACCOUNT_MAX: '1000' };
const GITLAB_CLIENTS: OidcClient[] = [{ clientId: 'gitlab-acme-web', secret: 'gitlab-acme-web-secret', claims: gitlabCiClaims('acme/web') }];

function federationYaml(github: string, gitlab: string, kubernetes: string): string {
  return `
- name: github
  issuer: ${github}
  audience: registry.example.com
  claims: {repository_owner_id: "1234567", event_name: [push, workflow_dispatch]}
  account: "github:\${claims:repository}"
  labels: {repository: "\${claims:repository}"}
  max_lifetime: 1h
- name: gitlab
  issuer: ${gitlab}
  audience: https://registry.example.com
  claims: {namespace_id: "4242", ref_protected: "true"}
  account: "gitlab:\${claims:project_path}"
  labels: {project: "\${claims:project_path}"}
- name: k8s
  issuer: ${kubernetes}
  audience: registry.example.com
  claims: {/kubernetes.io/namespace: "/^team-/"}
  account: "k8s:\${claims:/kubernetes.io/namespace}:\${claims:/kubernetes.io/serviceaccount/name}"
  labels: {namespace: "\${claims:/kubernetes.io/namespace}"}
`;
}

let github: TestIssuer;
let kubernetes: TestIssuer;
let gitlab: RunningOidcProvider;
let purser: RunningPurser;
let registry: RunningRegistry;
let containerd: RunningContainerd;
let scratch: string;
let layouts = 0;

before(async () => {
  scratch = makeTempDir('images');
  [github, kubernetes, gitlab] = await Promise.all([startTestIssuer(), startTestIssuer(), startOidcProvider({ clients: GITLAB_CLIENTS })]);
  const federationFile = join(makeTempDir('federation'), 'federation.yml');
  writeFileSync(federationFile, federationYaml(github.issuer, gitlab.issuer, kubernetes.issuer));
  purser = await startPurser({ acl: ACL, users: { admin: 'admin-secret' }, env: { PURSER_FEDERATION: federationFile, ...NO_THROTTLE } });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
  containerd = await startContainerd();
  // Images for the pulls, pushed by a password user: the pulling identities may not push there.
  for (const repo of ['acme/app/base', 'acme/web/base', 'team-a/app']) {
    const push = await copy([`--dest-creds=${ADMIN}`], layout('v1', `${repo} for pulling`), repo, 'v1');
    assert.equal(push.code, 0, `set-up push failed: ${describeResult(push)}`);
  }
});

after(async () => {
  await containerd?.stop();
  await registry?.stop();
  await purser?.stop();
  await Promise.all([github?.close(), kubernetes?.close(), gitlab?.stop()]);
});

function layout(tag: string, text: string): OciImage {
  layouts += 1;
  return writeOciLayout(join(scratch, `layout-${layouts}`), tag, text);
}

/** skopeo copy of an OCI layout into the registry, with the credential flags given. */
const copy = (flags: string[], image: OciImage, repo: string, tag: string) =>
  skopeo(['copy', '--dest-tls-verify=false', ...flags, `oci:${image.dir}:${image.tag}`, `docker://${registry.host}/${repo}:${tag}`]);
const pull = (flags: string[], repo: string, tag: string) =>
  skopeo(['copy', '--src-tls-verify=false', ...flags, `docker://${registry.host}/${repo}:${tag}`, `oci:${makeTempDir('pulled')}:${tag}`]);
const DENIED = /denied: requested access to the resource is denied/;

describe('skopeo as a CI identity', () => {
  test("a GitHub Actions job pushes to its repository's namespace and pulls back what it pushed", async () => {
    const token = await github.sign(githubActionsClaims());
    const mark = await outputMark(purser);
    const push = await copy([`--dest-creds=github:${token}`], layout('v1', 'built by GitHub Actions'), 'acme/app/image', 'v1');
    assert.equal(push.code, 0, describeResult(push));
    const pulled = await pull([`--src-creds=github:${token}`], 'acme/app/image', 'v1');
    assert.equal(pulled.code, 0, describeResult(pulled));
    const event = await waitForAudit(purser, mark, (e) => e.outcome === 'granted');
    assert.equal(event.account, 'github:acme/app');
    assert.equal(event.source, 'oidc');
    assert.deepEqual(event.identity, { issuer: 'github', sub: 'repo:acme/app:ref:refs/heads/main', jti: githubActionsClaims().jti });
    assert.equal(purser.output().includes(token.split('.')[2] as string), false, 'purser never logs the token');
  });

  test('the GitHub job is refused a push to another namespace and a pull from one', async () => {
    const token = await github.sign(githubActionsClaims());
    const push = await copy([`--dest-creds=github:${token}`], layout('v1', 'trespassing'), 'acme/web/image', 'v1');
    assert.notEqual(push.code, 0, describeResult(push));
    assert.match(push.stderr, DENIED, describeResult(push));
    const other = await pull([`--src-creds=github:${token}`], 'team-a/app', 'v1');
    assert.notEqual(other.code, 0, describeResult(other));
    assert.match(other.stderr, DENIED, describeResult(other));
  });

  test('a GitLab CI job with a token from oidc-provider pushes to its project and nowhere else', async () => {
    const token = await gitlab.token('gitlab-acme-web', 'https://registry.example.com');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, gitlab.issuer);
    assert.equal(claims.sub, 'project_path:acme/web:ref_type:branch:ref:main');
    assert.equal(claims.client_id, 'gitlab-acme-web');
    const mark = await outputMark(purser);
    const push = await copy([`--dest-creds=gitlab:${token}`], layout('v1', 'built by GitLab CI'), 'acme/web/image', 'v1');
    assert.equal(push.code, 0, describeResult(push));
    assert.equal((await waitForAudit(purser, mark, (e) => e.outcome === 'granted')).account, 'gitlab:acme/web');
    const elsewhere = await copy([`--dest-creds=gitlab:${token}`], layout('v1', 'trespassing'), 'acme/app/image', 'v2');
    assert.notEqual(elsewhere.code, 0, describeResult(elsewhere));
    assert.match(elsewhere.stderr, DENIED, describeResult(elsewhere));
  });

  test('a pod (Kubernetes service-account token) pulls its namespace and may not push there', async () => {
    const token = await kubernetes.sign(kubernetesClaims('team-a'));
    const pulled = await pull([`--src-creds=k8s:${token}`], 'team-a/app', 'v1');
    assert.equal(pulled.code, 0, describeResult(pulled));
    const push = await copy([`--dest-creds=k8s:${token}`], layout('v1', 'a pod pushing'), 'team-a/app', 'v2');
    assert.notEqual(push.code, 0, describeResult(push));
    assert.match(push.stderr, DENIED, describeResult(push));
  });
});

describe('containerd pulling with a federated token', () => {
  const ctrPull = (user: string, token: string, ref: string) =>
    ctr(containerd, ['images', 'pull', '--plain-http', '--snapshotter', 'native', '--user', `${user}:${token}`, ref]);

  test("ctr pulls with a GitHub Actions job's token, through POST /auth (the password grant)", async () => {
    const mark = await outputMark(purser);
    const result = await ctrPull('github', await github.sign(githubActionsClaims()), `${registry.host}/acme/app/base:v1`);
    assert.equal(result.code, 0, describeResult(result));
    await waitForAudit(purser, mark, (e) => e.method === 'POST' && e.grantType === 'password' && e.clientId === 'containerd-client' && e.outcome === 'granted' && e.account === 'github:acme/app');
    const events = auditSince(purser, mark);
    assert.ok(events.every((e) => e.method === 'POST'), `containerd fell back to GET /auth:\n${JSON.stringify(events, null, 2)}`);
  });

  test("ctr pulls with a pod's service-account token, and not another namespace's image", async () => {
    const mark = await outputMark(purser);
    const own = await ctrPull('k8s', await kubernetes.sign(kubernetesClaims('team-a')), `${registry.host}/team-a/app:v1`);
    assert.equal(own.code, 0, describeResult(own));
    await waitForAudit(purser, mark, (e) => e.outcome === 'granted' && e.account === 'k8s:team-a:builder');
    const other = await ctrPull('k8s', await kubernetes.sign(kubernetesClaims('team-b')), `${registry.host}/team-a/app:v1`);
    assert.notEqual(other.code, 0, describeResult(other));
    assert.match(other.stderr, /401 Unauthorized|insufficient_scope|denied/i, describeResult(other));
  });

  // The place for the kubelet credential provider plugin (written separately): the kubelet runs
  // it with the pod's service-account token and hands containerd the credentials it prints.
  test('the kubelet credential provider plugin gives containerd credentials from a pod token', { todo: 'the kubelet plugin is being written separately' });
});

describe('the token exchange (RFC 8693), and a push that outlives the subject token', () => {
  test('a job exchanges a token about to expire for a refresh token, and pushes with it after the token expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const subject = await github.sign(githubActionsClaims({ iat: now, exp: now + 2 }));
    const response = await fetch(purser.realm, {
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
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const body = JSON.parse(text) as { access_token: string; refresh_token: string; issued_token_type: string; token_type: string; scope: string };
    assert.equal(body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(body.scope, 'repository:acme/app/image:pull,push');
    const refreshExp = decodeJwt(body.refresh_token).exp as number;
    assert.ok(refreshExp > now + 2 && refreshExp <= now + 3600 + 5, `the refresh token lives past the subject token, at most max_lifetime (exp ${refreshExp - now} s from now)`);

    // purser allows 30 s of clock skew on exp: wait until it refuses the subject token itself.
    const login = () => fetch(`${purser.realm}?service=Docker+registry&scope=repository:acme/app/image:pull`, { headers: { Authorization: `Basic ${Buffer.from(`github:${subject}`).toString('base64')}` } });
    const deadline = Date.now() + 60_000;
    let status = 200;
    let mark = 0;
    while (status === 200 && Date.now() < deadline) {
      await sleep(1_000);
      mark = await outputMark(purser);
      status = (await login()).status;
    }
    assert.equal(status, 401, 'the subject token was still accepted a minute after its exp');
    assert.equal((await waitForAudit(purser, mark, (e) => e.outcome === 'failed')).reason, 'token_expired');

    // Docker's identity token in the auth file: containers/image then asks for tokens with
    // POST grant_type=refresh_token alone. (The account, github:acme/app, has a ":" and could not
    // be a Basic user name, so the refresh token cannot go in as a password.)
    const authFile = join(makeTempDir('authfile'), 'auth.json');
    writeFileSync(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('github:').toString('base64'), identitytoken: body.refresh_token } } }));
    mark = await outputMark(purser);
    const push = await copy(['--authfile', authFile], layout('v1', 'pushed after the CI token expired'), 'acme/app/image', 'after-expiry');
    assert.equal(push.code, 0, describeResult(push));
    await waitForAudit(purser, mark, (e) => e.outcome === 'granted');
    const events = auditSince(purser, mark);
    for (const event of events) {
      assert.deepEqual([event.method, event.grantType, event.outcome, event.account, event.source], ['POST', 'refresh_token', 'granted', 'github:acme/app', 'oidc'], JSON.stringify(events, null, 2));
    }
  });
});

describe('the provider rotating its keys while purser runs', () => {
  const login = async (token: string): Promise<number> => {
    const response = await fetch(`${purser.realm}?service=Docker+registry&scope=repository:acme/web/image:pull`, { headers: { Authorization: `Basic ${Buffer.from(`gitlab:${token}`).toString('base64')}` } });
    await response.body?.cancel();
    return response.status;
  };

  test("oidc-provider restarts with a new key: its new tokens are accepted, the old key's refused", async () => {
    const old = await gitlab.token('gitlab-acme-web', 'https://registry.example.com');
    assert.equal(await login(old), 200);
    const port = gitlab.port;
    const oldKid = gitlab.kid;
    await gitlab.stop();
    gitlab = await startOidcProvider({ clients: GITLAB_CLIENTS, port, keys: [await newSigningKey()] });
    const fresh = await gitlab.token('gitlab-acme-web', 'https://registry.example.com');
    assert.notEqual(gitlab.kid, oldKid);
    // An unknown kid makes purser fetch the JWKS again, at most once per 5 s per issuer.
    const mark = await outputMark(purser);
    let status = await login(fresh);
    for (let i = 0; i < 40 && status !== 200; i++) {
      await sleep(250);
      status = await login(fresh);
    }
    assert.equal(status, 200, JSON.stringify(auditSince(purser, mark), null, 2));
    // The skopeo client sees it too.
    const inspect = await skopeo(['inspect', '--tls-verify=false', `--creds=gitlab:${fresh}`, `docker://${registry.host}/acme/web/base:v1`]);
    assert.equal(inspect.code, 0, describeResult(inspect));
    const afterMark = await outputMark(purser);
    assert.equal(await login(old), 401);
    assert.equal((await waitForAudit(purser, afterMark, (e) => e.outcome === 'failed')).reason, 'unknown_key');
  });
});

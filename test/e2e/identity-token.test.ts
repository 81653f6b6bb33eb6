/**
 * docker login's identity tokens, with real clients: purser hands out a refresh token for
 * offline_token=true, a client holding it pulls through POST grant_type=refresh_token alone, a
 * password change locks it out, and the registry never takes it for an access token.
 * skopeo stands in for docker here: it reads the same `identitytoken` from its auth file and uses
 * the same OAuth2 refresh grant (there is no Docker daemon on this machine).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { purser as purserCli } from '../helpers/cli.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - match: {account: "/.+/", name: "\${account}/**"}
    actions: [pull, push]
`;

interface AuditLine {
  audit?: boolean;
  method?: string;
  grantType?: string;
  clientId?: string;
  outcome?: string;
  reason?: string;
  account?: string;
}

function auditLines(purser: RunningPurser): AuditLine[] {
  return purser
    .output()
    .split('\n')
    .filter((line) => line.includes('"audit":true'))
    .map((line) => JSON.parse(line) as AuditLine);
}

/** purser's output arrives through a pipe: wait for an audit line rather than race it. */
async function waitForAudit(purser: RunningPurser, match: (event: AuditLine) => boolean): Promise<void> {
  for (let i = 0; i < 50 && !auditLines(purser).some(match); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(auditLines(purser).some(match), 'the expected audit event never appeared');
}

describe('identity tokens (docker login refresh tokens)', () => {
  let purser: RunningPurser;
  let registry: RunningRegistry;
  let refreshToken: string;
  let authFile: string;

  before(async () => {
    purser = await startPurser({ acl: ACL, users: { alice: 'first-password' }, env: { PURSER_RELOAD_INTERVAL: '1' } });
    registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
    const image = writeOciLayout(makeTempDir('image'), 'v1', 'identity token test\n');
    const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:first-password', `oci:${image.dir}:v1`, `docker://${registry.host}/alice/app:v1`]);
    assert.equal(push.code, 0, describeResult(push));
  });
  after(async () => {
    await registry?.stop();
    await purser?.stop();
  });

  test('docker login\'s request (offline_token=true, client_id=docker) returns a refresh token', async () => {
    const url = `${purser.realm}?account=alice&client_id=docker&offline_token=true&service=Docker+registry`;
    const res = await fetch(url, { headers: { Authorization: `Basic ${Buffer.from('alice:first-password').toString('base64')}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; refresh_token?: string };
    assert.equal(typeof body.refresh_token, 'string');
    refreshToken = body.refresh_token as string;
    await waitForAudit(purser, (e) => e.clientId === 'docker' && e.method === 'GET');
    // As Docker stores it: the user name with an empty password, and the identity token.
    authFile = join(makeTempDir('authfile'), 'auth.json');
    writeFileSync(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:').toString('base64'), identitytoken: refreshToken } } }));
  });

  test('a client holding only the identity token pulls through POST grant_type=refresh_token', async () => {
    const before = auditLines(purser).length;
    const target = makeTempDir('pulled');
    const pull = await skopeo(['copy', '--src-tls-verify=false', '--authfile', authFile, `docker://${registry.host}/alice/app:v1`, `oci:${target}:v1`]);
    assert.equal(pull.code, 0, describeResult(pull));
    const used = auditLines(purser).slice(before);
    assert.ok(used.length > 0, 'skopeo asked purser for a token');
    for (const event of used) {
      assert.equal(event.method, 'POST');
      assert.equal(event.grantType, 'refresh_token');
      assert.equal(event.outcome, 'granted');
      assert.equal(event.account, 'alice');
    }
  });

  test('the registry refuses the refresh token as a bearer token', async () => {
    const res = await fetch(`${registry.url}/v2/alice/app/tags/list`, { headers: { Authorization: `Bearer ${refreshToken}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(registry.output(), /unable to get token signing key|invalid token/);
  });

  test('a password change locks the identity token out', async () => {
    const changed = await purserCli(['user', 'passwd', 'alice', '--password-stdin', '--cost', '4', '--file', join(purser.dir, 'users.htpasswd')], {
      cwd: purser.dir,
      input: 'second-password',
    });
    assert.equal(changed.code, 0, changed.stderr);
    // purser notices the edit by itself (no signal); give it a few seconds.
    let result = await skopeo(['inspect', '--tls-verify=false', '--authfile', authFile, `docker://${registry.host}/alice/app:v1`]);
    for (let i = 0; i < 30 && result.code === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      result = await skopeo(['inspect', '--tls-verify=false', '--authfile', authFile, `docker://${registry.host}/alice/app:v1`]);
    }
    assert.notEqual(result.code, 0, 'the identity token still worked after the password change');
    assert.match(result.stderr, /unauthorized|authentication required|invalid username\/password/i);
    await waitForAudit(purser, (e) => e.grantType === 'refresh_token' && e.outcome === 'failed' && e.reason === 'refresh_token_revoked');
    // The new password works.
    const fresh = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:second-password', `docker://${registry.host}/alice/app:v1`]);
    assert.equal(fresh.code, 0, describeResult(fresh));
  });
});

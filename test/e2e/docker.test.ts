/**
 * The real Docker Engine (Debian's docker.io, 20.10) through purser and registry 2.8. docker login
 * trades the password for an identity token (purser's refresh token), which the CLI keeps in
 * config.json instead of the password; every later push and pull hands the daemon only that token.
 * The daemon is this file's own (startDockerd) and never runs a container. Images come from
 * `docker import` of a tarball the test writes, so nothing is pulled from outside.
 *
 * The tests run in order and build on each other, as one user's session would: log in, push,
 * pull, log out, log in again, have the password changed.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { purser as purserCli } from '../helpers/cli.js';
import { docker } from './harness/docker.js';
import { fetchToken } from './harness/fetch-token.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult, type CommandResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startDockerd, type RunningDockerd } from './harness/start-dockerd.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRecordingProxy, type RecordingProxy } from './harness/start-recording-proxy.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { tarWithOneFile } from './harness/tar-with-one-file.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - {match: {account: publisher, name: "public/**"}, actions: [pull, push], comment: the publisher}
  - {match: {account: "/.+/", name: "\${account}/**"}, actions: [pull, push], comment: own namespace}
  - {match: {name: "public/**"}, actions: [pull], comment: public pulls}
`;
const USERS = { alice: 'alice-secret', bob: 'bob-secret', publisher: 'publisher-secret' };

let purser: RunningPurser;
let proxy: RecordingProxy;
let registry: RunningRegistry;
let dockerd: RunningDockerd;
let scratch: string;
let tarball: string;
let published: OciImage;

before(async () => {
  scratch = makeTempDir('images');
  // purser re-reads users.htpasswd every second, for the password change at the end.
  purser = await startPurser({ acl: ACL, users: USERS, env: { PURSER_RELOAD_INTERVAL: '1' } });
  // The registry sends docker to purser through a proxy that keeps each request line.
  proxy = await startRecordingProxy(purser.url);
  registry = await startRegistry({ realm: `${proxy.url}/auth`, rootCertBundle: purser.certFile });
  dockerd = await startDockerd();
  tarball = join(scratch, 'app.tar');
  writeFileSync(tarball, tarWithOneFile('hello.txt', Buffer.from('hello from alice\n', 'utf8')));
  // A public image for the anonymous pull, pushed by someone other than docker's user.
  published = writeOciLayout(join(scratch, 'public-hello'), 'v1', 'public hello');
  const push = await skopeo([
    'copy', '--dest-tls-verify=false', '--dest-creds', `publisher:${USERS.publisher}`,
    `oci:${published.dir}:v1`, `docker://${registry.host}/public/hello:v1`,
  ]);
  assert.equal(push.code, 0, `set-up push of public/hello failed: ${describeResult(push)}`);
});

after(async () => {
  await dockerd?.stop();
  await registry?.stop();
  await proxy?.stop();
  await purser?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers: docker commands, what purser logged and what the proxy saw since a mark, config.json.

const ref = (repo: string): string => `${registry.host}/${repo}:v1`;

async function dockerOk(args: readonly string[]): Promise<CommandResult> {
  const result = await docker(dockerd, args);
  assert.equal(result.code, 0, `docker ${args.join(' ')}: ${describeResult(result)}`);
  return result;
}

function login(user: string, password: string): Promise<CommandResult> {
  return docker(dockerd, ['login', '--username', user, '--password', password, registry.host]);
}

interface AuditEvent {
  method: string;
  grantType: string;
  clientId?: string;
  account?: string;
  outcome: string;
  reason?: string;
  refreshToken: boolean;
  requested: string[];
  granted: string[];
}

interface TokenRequestLine {
  method: string;
  /** The query string's parameters, sorted by name, e.g. [["account", "alice"], …]. */
  params: Array<[string, string]>;
}

interface Mark {
  readonly log: number;
  readonly requests: number;
}

const mark = (): Mark => ({ log: purser.output().length, requests: proxy.requests.length });

/**
 * purser's audit events since `since`. They arrive through a pipe, so this waits (up to 5 s) for
 * one event per token request the proxy passed on, and for at least one.
 */
async function auditSince(since: Mark): Promise<AuditEvent[]> {
  const read = (): AuditEvent[] =>
    purser
      .output()
      .slice(since.log)
      .split('\n')
      .filter((line) => line.includes('"audit":true') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as AuditEvent);
  const expected = Math.max(1, tokenRequestsSince(since).length);
  for (let i = 0; i < 50 && read().length < expected; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return read();
}

/** The token requests docker sent since `since`, as the proxy saw them. */
function tokenRequestsSince(since: Mark): TokenRequestLine[] {
  return proxy.requests
    .slice(since.requests)
    .filter((r) => r.url === '/auth' || r.url.startsWith('/auth?'))
    .map((r) => ({
      method: r.method,
      params: [...new URLSearchParams(r.url.slice('/auth'.length))].sort(([a], [b]) => a.localeCompare(b)),
    }));
}

type StoredAuth = { auth?: string; identitytoken?: string } | undefined;

function storedAuth(): StoredAuth {
  const config = JSON.parse(readFileSync(join(dockerd.configDir, 'config.json'), 'utf8')) as { auths?: Record<string, StoredAuth> };
  return config.auths?.[registry.host];
}

const show = (value: unknown): string => JSON.stringify(value, null, 2);

// ---------------------------------------------------------------------------------------------

describe('docker (Docker Engine 20.10) through purser and registry 2.8', () => {
  let pushedDigest: string;

  test('docker login sends GET /auth with account, client_id=docker and offline_token=true, and stores an identity token instead of the password', async () => {
    const since = mark();
    const result = await login('alice', USERS.alice);
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stdout, /Login Succeeded/);

    // The seed notes' request, exactly: no scope, and nothing else before or after it.
    assert.deepEqual(tokenRequestsSince(since), [
      {
        method: 'GET',
        params: [['account', 'alice'], ['client_id', 'docker'], ['offline_token', 'true'], ['service', 'Docker registry']],
      },
    ]);
    // purser's side: a password grant that handed out a refresh token.
    const events = await auditSince(since);
    assert.deepEqual(
      events.map((e) => [e.method, e.grantType, e.clientId, e.account, e.outcome, e.refreshToken, e.requested]),
      [['GET', 'password', 'docker', 'alice', 'granted', true, []]],
    );

    // docker keeps the identity token and the user name with an empty password: "alice:".
    const stored = storedAuth();
    assert.match(stored?.identitytoken ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, show(stored));
    assert.equal(Buffer.from(stored?.auth ?? '', 'base64').toString('utf8'), 'alice:');
    assert.doesNotMatch(readFileSync(join(dockerd.configDir, 'config.json'), 'utf8'), new RegExp(USERS.alice));
  });

  test('docker push into her own namespace goes through on the identity token alone', async () => {
    await dockerOk(['import', tarball, ref('alice/app')]);
    const since = mark();
    const result = await dockerOk(['push', ref('alice/app')]);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(result.stdout)?.[1];
    assert.ok(digest, describeResult(result));
    pushedDigest = digest;

    // The daemon trades the identity token for an access token: POST grant_type=refresh_token.
    const events = await auditSince(since);
    assert.ok(events.length > 0);
    for (const event of events) {
      assert.deepEqual(
        [event.method, event.grantType, event.clientId, event.account, event.outcome],
        ['POST', 'refresh_token', 'docker', 'alice', 'granted'],
        show(events),
      );
    }
    assert.ok(events.some((e) => e.granted.includes('repository:alice/app:push,pull')), show(events));
    assert.deepEqual(tokenRequestsSince(since).map((r) => r.method), events.map(() => 'POST'));
  });

  test("docker push into another user's namespace is refused, and nothing is stored there", async () => {
    await dockerOk(['tag', ref('alice/app'), ref('bob/app')]);
    const since = mark();
    const result = await docker(dockerd, ['push', ref('bob/app')]);
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /denied: requested access to the resource is denied/, describeResult(result));

    // purser answered (a token granting nothing), and the registry refused the upload with it.
    const events = await auditSince(since);
    const asked = events.filter((e) => e.requested.includes('repository:bob/app:push,pull'));
    assert.ok(asked.length > 0, show(events));
    for (const event of asked) {
      assert.equal(event.account, 'alice', show(event));
      assert.ok(!event.granted.some((scope) => scope.startsWith('repository:bob/')), show(event));
    }

    const token = await fetchToken({ purserUrl: purser.url, scope: 'repository:bob/app:pull', user: 'bob', password: USERS.bob });
    const tags = await fetch(`${registry.url}/v2/bob/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    const body = await tags.text();
    assert.equal(tags.status, 404, `bob/app must not exist: ${body}`);
    assert.match(body, /NAME_UNKNOWN/);
  });

  test('docker pull after docker rmi fetches the pushed image, again on the identity token alone', async () => {
    await dockerOk(['rmi', ref('bob/app'), ref('alice/app')]);
    const gone = await docker(dockerd, ['image', 'inspect', ref('alice/app')]);
    assert.notEqual(gone.code, 0, `the image should be gone: ${describeResult(gone)}`);

    const since = mark();
    const result = await dockerOk(['pull', ref('alice/app')]);
    assert.match(result.stdout, new RegExp(`^Digest: ${pushedDigest}$`, 'm'), describeResult(result));
    const inspected = await dockerOk(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref('alice/app')]);
    assert.deepEqual(JSON.parse(inspected.stdout), [`${registry.host}/alice/app@${pushedDigest}`]);

    const events = await auditSince(since);
    assert.ok(events.length > 0);
    for (const event of events) {
      assert.deepEqual([event.method, event.grantType, event.account, event.outcome], ['POST', 'refresh_token', 'alice', 'granted'], show(events));
    }
  });

  test('docker login with a wrong password fails with unauthorized, and leaves the stored login alone', async () => {
    const before = storedAuth();
    const since = mark();
    const result = await login('alice', 'not-her-password');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /unauthorized: authentication failed/, describeResult(result));
    assert.doesNotMatch(result.stdout, /Login Succeeded/);

    const events = await auditSince(since);
    assert.deepEqual(
      events.map((e) => [e.method, e.grantType, e.clientId, e.account, e.outcome, e.reason, e.refreshToken]),
      [['GET', 'password', 'docker', 'alice', 'failed', 'wrong_password', false]],
    );
    assert.deepEqual(storedAuth(), before, 'docker keeps the identity token from the earlier login');
  });

  test('docker logout forgets the identity token; a public repository still pulls, anonymously', async () => {
    const out = await dockerOk(['logout', registry.host]);
    assert.match(out.stdout, new RegExp(`Removing login credentials for ${registry.host}`));
    assert.equal(storedAuth(), undefined);

    const since = mark();
    const result = await dockerOk(['pull', ref('public/hello')]);
    assert.match(result.stdout, new RegExp(`^Digest: ${published.manifestDigest}$`, 'm'), describeResult(result));

    // No account and no client id in the query, and no credentials (purser saw an anonymous request).
    assert.deepEqual(tokenRequestsSince(since), [
      { method: 'GET', params: [['scope', 'repository:public/hello:pull'], ['service', 'Docker registry']] },
    ]);
    const events = await auditSince(since);
    assert.deepEqual(
      events.map((e) => [e.method, e.grantType, e.account, e.outcome, e.granted]),
      [['GET', 'anonymous', '', 'granted', ['repository:public/hello:pull']]],
    );
  });

  test('a password change makes the stored identity token useless: docker pull fails with unauthorized', async () => {
    const relogin = await login('alice', USERS.alice);
    assert.equal(relogin.code, 0, describeResult(relogin));
    assert.ok(storedAuth()?.identitytoken, 'docker login stored an identity token');
    await dockerOk(['pull', ref('alice/app')]);

    const since = mark();
    const changed = await purserCli(['user', 'passwd', 'alice', '--password-stdin', '--cost', '4', '--file', join(purser.dir, 'users.htpasswd')], {
      cwd: purser.dir,
      input: 'alice-new-secret',
    });
    assert.equal(changed.code, 0, changed.stderr);
    // purser notices the edit by itself within a second or so (PURSER_RELOAD_INTERVAL=1).
    let result = await docker(dockerd, ['pull', ref('alice/app')]);
    for (let i = 0; i < 30 && result.code === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      result = await docker(dockerd, ['pull', ref('alice/app')]);
    }
    assert.notEqual(result.code, 0, `the identity token still worked after the password change: ${describeResult(result)}`);
    // purser refuses the POST with 401 invalid_grant; the request never reaches the registry.
    // docker prints any 401 without a registry-style error list as its own "authentication required".
    assert.match(result.stderr, /unauthorized: authentication required/, describeResult(result));
    const events = await auditSince(since);
    assert.ok(
      events.some((e) => e.grantType === 'refresh_token' && e.outcome === 'failed' && e.reason === 'refresh_token_revoked'),
      show(events),
    );

    // Logging in again with the new password gives a new identity token that works.
    const fresh = await login('alice', 'alice-new-secret');
    assert.equal(fresh.code, 0, describeResult(fresh));
    await dockerOk(['pull', ref('alice/app')]);
  });
});

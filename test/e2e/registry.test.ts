/**
 * purser in front of a real distribution registry (2.8), driven by real clients: skopeo for
 * pushes, pulls, tags and deletes, podman for logins, plain fetch for the catalog. Everything runs
 * on 127.0.0.1 with throwaway directories; every image is written by the test itself.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clientSandbox } from './harness/client-sandbox.js';
import { fetchToken } from './harness/fetch-token.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { podman } from './harness/podman.js';
import { describeResult, type CommandResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
groups: {admins: [admin]}
acl:
  - {match: {labels: {group: admins}}, actions: ["*"], comment: admins}
  - {match: {type: registry, name: catalog}, actions: [], comment: no catalog for others}
  - {match: {account: "/.+/", name: "\${account}/scratch/**"}, actions: [pull, push, delete], comment: users delete in their scratch area}
  - {match: {account: "/.+/", name: "\${account}/**"}, actions: [pull, push], comment: own namespace}
  - {match: {name: "public/**"}, actions: [pull], comment: public pulls}
`;

const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };
type User = keyof typeof USERS;
const creds = (user: User): string => `${user}:${USERS[user]}`;

let purser: RunningPurser;
let registry: RunningRegistry;
let scratch: string;

before(async () => {
  scratch = makeTempDir('images');
  purser = await startPurser({ acl: ACL, users: USERS });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
});

after(async () => {
  await registry?.stop();
  await purser?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers that read like the tests: images are written on the fly, references built from names.

let layouts = 0;
/** A new OCI layout holding one file with `text`, tagged `tag`. */
function image(tag: string, text: string): OciImage {
  layouts += 1;
  return writeOciLayout(join(scratch, `layout-${layouts}`), tag, text);
}

const remote = (repo: string, tag: string): string => `docker://${registry.host}/${repo}:${tag}`;

/** skopeo copy oci:LAYOUT → the registry, as `user` (or anonymously). */
function push(img: OciImage, repo: string, as: User | 'anonymous'): Promise<CommandResult> {
  const auth = as === 'anonymous' ? ['--dest-no-creds'] : ['--dest-creds', creds(as)];
  return skopeo(['copy', '--dest-tls-verify=false', ...auth, `oci:${img.dir}:${img.tag}`, remote(repo, img.tag)]);
}

/** Pushes and fails the test at once unless the push worked: the set-up step of most tests. */
async function pushed(repo: string, tag: string, as: User): Promise<OciImage> {
  const img = image(tag, `${repo}:${tag} pushed by ${as}`);
  const result = await push(img, repo, as);
  assert.equal(result.code, 0, `set-up push of ${repo}:${tag} as ${as} failed: ${describeResult(result)}`);
  return img;
}

/** skopeo inspect repo:tag; digestOf() reads the manifest digest from a successful one. */
function inspect(repo: string, tag: string, as: User | 'anonymous'): Promise<CommandResult> {
  const auth = as === 'anonymous' ? ['--no-creds'] : ['--creds', creds(as)];
  return skopeo(['inspect', '--tls-verify=false', ...auth, remote(repo, tag)]);
}

function digestOf(result: CommandResult): string {
  assert.equal(result.code, 0, describeResult(result));
  return (JSON.parse(result.stdout) as { Digest: string }).Digest;
}

/** The registry's messages when it refuses a token's access, or purser refuses the login. */
const REFUSED = /denied: requested access to the resource is denied|unauthorized|authentication required/i;

// ---------------------------------------------------------------------------------------------

describe('pushing and pulling with skopeo', () => {
  test('a user pushes into their own namespace and pulls back the identical image', async () => {
    const img = image('v1', 'hello from alice');
    const pushResult = await push(img, 'alice/app', 'alice');
    assert.equal(pushResult.code, 0, describeResult(pushResult));
    assert.match(pushResult.stdout + pushResult.stderr, /Writing manifest to image destination/);

    const pulledDir = join(scratch, 'pulled-alice-app');
    const pull = await skopeo([
      'copy', '--src-tls-verify=false', '--src-creds', creds('alice'),
      remote('alice/app', 'v1'), `oci:${pulledDir}:v1`,
    ]);
    assert.equal(pull.code, 0, describeResult(pull));
    const index = JSON.parse(readFileSync(join(pulledDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]?.digest, img.manifestDigest, 'the pulled manifest is the pushed one');
    const layer = readFileSync(join(pulledDir, 'blobs', 'sha256', img.layerDigest.slice('sha256:'.length)));
    const original = readFileSync(join(img.dir, 'blobs', 'sha256', img.layerDigest.slice('sha256:'.length)));
    assert.deepEqual(layer, original, 'the pulled layer is byte-for-byte the pushed one');

    assert.equal(digestOf(await inspect('alice/app', 'v1', 'alice')), img.manifestDigest);
  });

  test("a push into another user's namespace is refused by the registry, and nothing is stored", async () => {
    await pushed('alice/owned', 'v1', 'alice');
    const result = await push(image('v2', 'bob was here'), 'alice/owned', 'bob');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /denied: requested access to the resource is denied/, describeResult(result));

    const tags = await skopeo(['list-tags', '--tls-verify=false', '--creds', creds('alice'), `docker://${registry.host}/alice/owned`]);
    assert.equal(tags.code, 0, describeResult(tags));
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ['v1'], "bob's v2 must not exist");
  });

  test('a push with a wrong password is refused by purser: invalid username/password', async () => {
    const result = await skopeo([
      'copy', '--dest-tls-verify=false', '--dest-creds', 'alice:not-her-password',
      `oci:${image('v1', 'x').dir}:v1`, remote('alice/wrong-password', 'v1'),
    ]);
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /unable to retrieve auth token: invalid username\/password/, describeResult(result));
  });

  test('anyone, without credentials, pulls an image from public/', async () => {
    const img = await pushed('public/hello', 'v1', 'admin');
    assert.equal(digestOf(await inspect('public/hello', 'v1', 'anonymous')), img.manifestDigest);

    const pulledDir = join(scratch, 'pulled-public-hello');
    const pull = await skopeo(['copy', '--src-tls-verify=false', '--src-no-creds', remote('public/hello', 'v1'), `oci:${pulledDir}:v1`]);
    assert.equal(pull.code, 0, describeResult(pull));
    assert.match(readFileSync(join(pulledDir, 'index.json'), 'utf8'), new RegExp(img.manifestDigest));
  });

  test('an anonymous push is refused, even to public/', async () => {
    const result = await push(image('v2', 'anonymous was here'), 'public/hello', 'anonymous');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /denied: requested access to the resource is denied/, describeResult(result));
    const tags = await skopeo(['list-tags', '--tls-verify=false', '--no-creds', `docker://${registry.host}/public/hello`]);
    assert.equal(tags.code, 0, describeResult(tags));
    assert.ok(!(JSON.parse(tags.stdout) as { Tags: string[] }).Tags.includes('v2'), 'the anonymous v2 must not exist');
  });

  test("an anonymous pull of a user's private image is refused", async () => {
    await pushed('alice/private', 'v1', 'alice');
    const result = await inspect('alice/private', 'v1', 'anonymous');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, REFUSED, describeResult(result));
  });
});

describe('listing repositories and tags', () => {
  test('skopeo list-tags shows every tag a user pushed', async () => {
    await pushed('alice/tools', 'v1', 'alice');
    await pushed('alice/tools', 'v2', 'alice');
    const result = await skopeo(['list-tags', '--tls-verify=false', '--creds', creds('alice'), `docker://${registry.host}/alice/tools`]);
    assert.equal(result.code, 0, describeResult(result));
    const listing = JSON.parse(result.stdout) as { Repository: string; Tags: string[] };
    assert.equal(listing.Repository, `${registry.host}/alice/tools`);
    assert.deepEqual([...listing.Tags].sort(), ['v1', 'v2']);
  });

  test("skopeo list-tags of another user's repository is refused", async () => {
    await pushed('alice/secret-tags', 'v1', 'alice');
    const result = await skopeo(['list-tags', '--tls-verify=false', '--creds', creds('bob'), `docker://${registry.host}/alice/secret-tags`]);
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, REFUSED, describeResult(result));
  });

  test("GET /v2/_catalog with an admin's token lists the repositories", async () => {
    await pushed('alice/catalogued', 'v1', 'alice');
    const token = await fetchToken({ purserUrl: purser.url, scope: 'registry:catalog:*', user: 'admin', password: USERS.admin });
    const response = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const { repositories } = JSON.parse(body) as { repositories: string[] };
    assert.ok(repositories.includes('alice/catalogued'), body);
  });

  test("GET /v2/_catalog with a plain user's token is refused with insufficient_scope", async () => {
    const token = await fetchToken({ purserUrl: purser.url, scope: 'registry:catalog:*', user: 'alice', password: USERS.alice });
    const response = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    assert.ok(response.status === 401 || response.status === 403, `status ${response.status}: ${body}`);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.match(response.headers.get('www-authenticate') ?? '', /scope="registry:catalog:\*"/);
    const codes = (JSON.parse(body) as { errors: Array<{ code: string }> }).errors.map((e) => e.code);
    assert.ok(codes.some((code) => code === 'UNAUTHORIZED' || code === 'DENIED'), body);
    assert.doesNotMatch(body, /repositories/);
  });

  test('GET /v2/_catalog without any token is refused', async () => {
    const response = await fetch(`${registry.url}/v2/_catalog`);
    await response.body?.cancel();
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', new RegExp(`realm="${purser.realm}"`));
  });
});

describe('deleting with skopeo (it asks purser for repository:NAME:*)', () => {
  const del = (repo: string, tag: string, as: User): Promise<CommandResult> =>
    skopeo(['delete', '--tls-verify=false', '--creds', creds(as), remote(repo, tag)]);

  test('a user deletes an image where the ACL grants delete (their scratch area)', async () => {
    await pushed('alice/scratch/tmp', 'v1', 'alice');
    const result = await del('alice/scratch/tmp', 'v1', 'alice');
    assert.equal(result.code, 0, describeResult(result));
    const gone = await inspect('alice/scratch/tmp', 'v1', 'alice');
    assert.notEqual(gone.code, 0, describeResult(gone));
    assert.match(gone.stderr, /manifest unknown/, describeResult(gone));
  });

  test('a user cannot delete in their own namespace, where the ACL grants only pull and push', async () => {
    const img = await pushed('alice/keep', 'v1', 'alice');
    const result = await del('alice/keep', 'v1', 'alice');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /401 Unauthorized|denied|UNAUTHORIZED/, describeResult(result));
    assert.match(result.stderr, /Action\\?":\\?"delete/, describeResult(result)); // skopeo escapes the JSON
    assert.equal(digestOf(await inspect('alice/keep', 'v1', 'alice')), img.manifestDigest, 'the image is still there');
  });

  test("a user cannot delete in another user's scratch area", async () => {
    await pushed('alice/scratch/mine', 'v1', 'alice');
    const result = await del('alice/scratch/mine', 'v1', 'bob');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, REFUSED, describeResult(result));
    assert.equal((await inspect('alice/scratch/mine', 'v1', 'alice')).code, 0, 'the image is still there');
  });

  test("an admin deletes an image in a user's namespace", async () => {
    await pushed('alice/doomed', 'v1', 'alice');
    const result = await del('alice/doomed', 'v1', 'admin');
    assert.equal(result.code, 0, describeResult(result));
    const gone = await inspect('alice/doomed', 'v1', 'alice');
    assert.match(gone.stderr, /manifest unknown/, describeResult(gone));
  });
});

describe('podman login and pull', () => {
  const login = (user: string, password: string): Promise<CommandResult> =>
    podman(['login', '--tls-verify=false', '--username', user, '--password', password, registry.host]);

  test('podman login succeeds with the right password and stores the credentials', async () => {
    const result = await login('alice', USERS.alice);
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stdout, /Login Succeeded/);
    const stored = JSON.parse(readFileSync(clientSandbox().authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(stored.auths[registry.host]?.auth ?? '', 'base64').toString(), creds('alice'));
  });

  test('podman pull works with the credentials podman login stored', async () => {
    const img = await pushed('alice/podman', 'v1', 'alice');
    assert.equal((await login('alice', USERS.alice)).code, 0);
    const result = await podman(['pull', '--tls-verify=false', `${registry.host}/alice/podman:v1`]);
    assert.equal(result.code, 0, describeResult(result));
    const images = await podman(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}']);
    assert.match(images.stdout, new RegExp(`${registry.host}/alice/podman:v1 ${img.manifestDigest}`), describeResult(images));
  });

  test('podman login fails with a wrong password', async () => {
    const result = await login('alice', 'not-her-password');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /invalid username\/password/, describeResult(result));
    assert.doesNotMatch(result.stdout, /Login Succeeded/);
  });

  test('podman login fails for a user purser does not know', async () => {
    const result = await login('mallory', 'anything');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /invalid username\/password/, describeResult(result));
  });
});

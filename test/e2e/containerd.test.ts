/**
 * containerd pulling through purser. Unlike skopeo and podman, containerd first asks for a token
 * with POST /auth (an OAuth2 password grant, client_id=containerd-client) and only falls back to
 * GET /auth when the POST fails, so these tests check purser's log to see which one was used.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ctr } from './harness/ctr.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startContainerd, type RunningContainerd } from './harness/start-containerd.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - {match: {account: "/.+/", name: "\${account}/**"}, actions: [pull, push], comment: own namespace}
`;
const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

let purser: RunningPurser;
let registry: RunningRegistry;
let containerd: RunningContainerd;
let scratch: string;
let image: OciImage;

before(async () => {
  scratch = makeTempDir('images');
  purser = await startPurser({ acl: ACL, users: USERS });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
  containerd = await startContainerd();
  image = writeOciLayout(scratch, 'v1', 'pulled by containerd');
  const push = await skopeo([
    'copy', '--dest-tls-verify=false', '--dest-creds', `alice:${USERS.alice}`,
    `oci:${image.dir}:v1`, `docker://${registry.host}/alice/app:v1`,
  ]);
  assert.equal(push.code, 0, `set-up push failed: ${describeResult(push)}`);
});

after(async () => {
  await containerd?.stop();
  await registry?.stop();
  await purser?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** purser's audit events for token requests since `mark` characters of its output. */
function tokenRequestsSince(mark: number): Array<{ method: string; clientId?: string; outcome: string; account?: string }> {
  return purser
    .output()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"audit":true') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as { method: string; clientId?: string; outcome: string; account?: string });
}

describe('ctr (containerd) pulling through purser', () => {
  test('ctr images pull with the right password pulls the image, using POST /auth', async () => {
    const mark = purser.output().length;
    const ref = `${registry.host}/alice/app:v1`;
    const pull = await ctr(containerd, [
      'images', 'pull', '--plain-http', '--snapshotter', 'native', '--user', `alice:${USERS.alice}`, ref,
    ]);
    assert.equal(pull.code, 0, describeResult(pull));

    const list = await ctr(containerd, ['images', 'list']);
    assert.equal(list.code, 0, describeResult(list));
    assert.match(list.stdout, new RegExp(`^${ref}\\s+\\S+\\s+${image.manifestDigest}`, 'm'), describeResult(list));

    const layer = await ctr(containerd, ['content', 'get', image.layerDigest]);
    assert.equal(layer.code, 0, describeResult(layer));

    const requests = tokenRequestsSince(mark);
    assert.ok(
      requests.some((r) => r.method === 'POST' && r.clientId === 'containerd-client' && r.outcome === 'granted' && r.account === 'alice'),
      `containerd's POST /auth should have been granted; purser logged:\n${JSON.stringify(requests, null, 2)}`,
    );
    assert.ok(
      requests.every((r) => r.method === 'POST'),
      `containerd fell back to GET /auth, so POST /auth did not work:\n${JSON.stringify(requests, null, 2)}`,
    );
  });

  test('ctr content fetch with a wrong password is refused with 401', async () => {
    const result = await ctr(containerd, [
      'content', 'fetch', '--plain-http', '--user', 'alice:not-her-password', `${registry.host}/alice/app:v1`,
    ]);
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /failed to authorize: failed to fetch (oauth|anonymous) token: unexpected status: 401/, describeResult(result));
  });

  test("ctr content fetch of another user's image is refused by the registry", async () => {
    const result = await ctr(containerd, [
      'content', 'fetch', '--plain-http', '--user', `bob:${USERS.bob}`, `${registry.host}/alice/app:v1`,
    ]);
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, /401 Unauthorized|insufficient_scope|denied/i, describeResult(result));
  });
});

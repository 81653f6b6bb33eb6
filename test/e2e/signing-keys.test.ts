/**
 * Signing keys against the real registry 2.8: keys made by `purser certs init` (RS256 and ES256),
 * thumbprint key IDs (which registry 2.x cannot use), and a whole key rotation done with
 * `purser certs rotate` while the registry keeps running.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { purser as purserCli } from '../helpers/cli.js';
import { fetchToken } from './harness/fetch-token.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout } from './harness/write-oci-layout.js';

const ACL = 'acl:\n  - match: {account: "/.+/", name: "${account}/**"}\n    actions: [pull, push]\n';
const USERS = { alice: 'alice-secret' };
const running: Array<{ stop(): Promise<unknown> }> = [];
after(async () => {
  for (const item of running.reverse()) await item.stop();
});

async function push(registry: RunningRegistry, tag: string): Promise<{ code: number | null; text: string }> {
  const image = writeOciLayout(makeTempDir('image'), tag, `signing test ${tag}\n`);
  const result = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:alice-secret', `oci:${image.dir}:${tag}`, `docker://${registry.host}/alice/app:${tag}`]);
  return { code: result.code, text: describeResult(result) };
}

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
}

describe('keys made by purser certs init', () => {
  for (const alg of ['RS256', 'ES256']) {
    test(`the registry trusts ${alg} tokens signed with them`, async () => {
      const keys = makeTempDir(`keys-${alg}`);
      const made = await purserCli(['certs', 'init', '--dir', keys, '--alg', alg], { cwd: keys });
      assert.equal(made.code, 0, made.stderr);
      const purser = await startPurser({
        acl: ACL,
        users: USERS,
        env: { PURSER_SIGNING_KEY: join(keys, 'token.key'), PURSER_SIGNING_CERT: join(keys, 'token.crt') },
      });
      running.push(purser);
      const registry = await startRegistry({ realm: purser.realm, rootCertBundle: join(keys, 'token.crt') });
      running.push(registry);
      const token = await fetchToken({ purserUrl: purser.url, scope: 'repository:alice/app:pull', user: 'alice', password: 'alice-secret' });
      assert.equal((JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { alg: string }).alg, alg);
      const result = await push(registry, 'v1');
      assert.equal(result.code, 0, result.text);
    });
  }
});

describe('PURSER_KID_FORMAT=thumbprint', () => {
  test('registry 2.8 cannot use thumbprint key IDs, as the README says', async () => {
    const purser = await startPurser({ acl: ACL, users: USERS, env: { PURSER_KID_FORMAT: 'thumbprint' } });
    running.push(purser);
    const registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
    running.push(registry);
    const result = await push(registry, 'v1');
    assert.notEqual(result.code, 0);
    assert.match(registry.output(), /token signed by untrusted key with ID/);
  });
});

describe('a key rotation with purser certs rotate, the registry running throughout', () => {
  test('prepare, give the registry the bundle, promote: pushes work before and after', async () => {
    const purser: RunningPurser = await startPurser({ acl: ACL, users: USERS, env: { PURSER_RELOAD_INTERVAL: '1' } });
    running.push(purser);
    const oldKid = kidOf(await fetchToken({ purserUrl: purser.url, scope: 'repository:alice/app:pull', user: 'alice', password: 'alice-secret' }));

    const prepared = await purserCli(['certs', 'rotate'], { cwd: purser.dir });
    assert.equal(prepared.code, 0, prepared.stderr);
    // Step 1: the registry gets the bundle (old and new) and is started with it.
    const bundle = join(makeTempDir('bundle'), 'token.crt');
    copyFileSync(purser.certFile, bundle);
    const registry = await startRegistry({ realm: purser.realm, rootCertBundle: bundle });
    running.push(registry);
    const before = await push(registry, 'before');
    assert.equal(before.code, 0, before.text);

    // Step 2: purser signs with the new key; it reloads the files by itself.
    const promoted = await purserCli(['certs', 'rotate', '--promote'], { cwd: purser.dir });
    assert.equal(promoted.code, 0, promoted.stderr);
    let newKid = oldKid;
    for (let i = 0; i < 50 && newKid === oldKid; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      newKid = kidOf(await fetchToken({ purserUrl: purser.url, scope: 'repository:alice/app:pull', user: 'alice', password: 'alice-secret' }));
    }
    assert.notEqual(newKid, oldKid, 'purser signs with the new key after --promote');
    const afterPush = await push(registry, 'after');
    assert.equal(afterPush.code, 0, afterPush.text);
  });
});

/**
 * The README's walk-through, command for command: from an empty folder to a TLS-fronted registry
 * with token auth, using only purser's commands, then a push and a pull by a client that trusts
 * only purser's private CA, and a clean bill of health from purser doctor.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import yaml from 'js-yaml';
import { PURSER_BIN, purser } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { portAccepts, startProcess, type RunningProcess } from './harness/start-process.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout } from './harness/write-oci-layout.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
let server: RunningProcess | undefined;
let registry: RunningRegistry | undefined;
after(async () => {
  await registry?.stop();
  await server?.stop();
});

test('from nothing to a TLS-fronted registry with token auth, using only purser commands', async () => {
  const dir = makeTempDir('walkthrough');
  copyFileSync(join(REPO, 'acl.yml'), join(dir, 'acl.yml'));
  copyFileSync(join(REPO, 'acl.test.yml'), join(dir, 'acl.test.yml'));
  writeFileSync(join(dir, 'users.htpasswd'), '');
  const run = async (args: string[], input?: string, env: Record<string, string> = {}) => {
    const result = await purser(args, { cwd: dir, env, ...(input === undefined ? {} : { input }) });
    assert.equal(result.code, 0, `purser ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
    return result;
  };
  const purserPort = await freePort();
  const tlsEnv = { PURSER_LISTEN: `127.0.0.1:${purserPort}`, PURSER_TLS_CERT: 'certs/tls.crt', PURSER_TLS_KEY: 'certs/tls.key' };

  // 1. The token signing key, and TLS for registry and purser from a private CA.
  await run(['certs', 'init']);
  await run(['certs', 'tls', '--host', 'localhost', '--ip', '127.0.0.1']);
  // 2. A user, and an ACL checked before it goes live.
  await run(['user', 'add', 'alice', '--password-stdin'], 'alice-long-password\n');
  await run(['acl', 'check', '--strict']);
  await run(['acl', 'test']);
  // 3. purser, serving TLS.
  server = startProcess({ name: 'purser', command: process.execPath, args: [PURSER_BIN, 'serve'], cwd: dir, env: { PATH: process.env.PATH, ...tlsEnv } });
  await server.waitUntil('listening', portAccepts(purserPort));
  // 4. The registry, with the auth: token: block purser prints, and the same TLS certificate.
  const printed = await run(['registry-config', '--realm', `https://127.0.0.1:${purserPort}/auth`], undefined, tlsEnv);
  const auth = (yaml.load(printed.stdout.split('\n\n')[0] ?? '') as { auth: { token: Record<string, string> } }).auth.token;
  registry = await startRegistry({
    realm: auth.realm as string,
    service: auth.service as string,
    issuer: auth.issuer as string,
    rootCertBundle: resolve(dir, auth.rootcertbundle as string),
    tls: { certificate: join(dir, 'certs/tls.crt'), key: join(dir, 'certs/tls.key') },
  });
  // 5. Clients trust the CA (as /etc/containers/certs.d/HOST:PORT/ca.crt would).
  const certDir = join(makeTempDir('client-certs'), registry.host);
  mkdirSync(certDir, { recursive: true });
  copyFileSync(join(dir, 'certs/ca/ca.crt'), join(certDir, 'ca.crt'));
  // 6. purser doctor finds nothing wrong.
  const doctor = await purser(['doctor', '--registry-config', registry.configFile, '--ca', 'certs/ca/ca.crt'], { cwd: dir, env: tlsEnv });
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.match(doctor.stdout, /the registry would accept the realm's tokens/);

  // 7. alice pushes to her namespace over TLS, and pulls back.
  const image = writeOciLayout(makeTempDir('image'), 'v1', 'walkthrough\n');
  const push = await skopeo(['copy', '--dest-cert-dir', certDir, '--dest-creds', 'alice:alice-long-password', `oci:${image.dir}:v1`, `docker://${registry.host}/alice/app:v1`]);
  assert.equal(push.code, 0, describeResult(push));
  const pull = await skopeo(['inspect', '--cert-dir', certDir, '--creds', 'alice:alice-long-password', `docker://${registry.host}/alice/app:v1`]);
  assert.equal(pull.code, 0, describeResult(pull));
  assert.match(pull.stdout, /"Name": "127\.0\.0\.1:\d+\/alice\/app"/);
  // Without the CA, the client refuses the registry.
  const untrusted = await skopeo(['inspect', '--creds', 'alice:alice-long-password', `docker://${registry.host}/alice/app:v1`]);
  assert.notEqual(untrusted.code, 0);
  assert.match(untrusted.stderr, /certificate signed by unknown authority/);
});

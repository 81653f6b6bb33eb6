/**
 * purser as a process, the way an operator starts it: a fresh directory with only acl.yml and
 * users.htpasswd, no signing key yet, stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startPurser, type RunningPurser } from './harness/start-purser.js';

let purser: RunningPurser | undefined;
after(async () => {
  await purser?.stop();
});

test('purser makes its signing key on first start, serves /healthz, and exits 0 on SIGTERM', async () => {
  purser = await startPurser({ acl: 'acl: []\n', users: { alice: 'alice-secret' } });
  assert.ok(existsSync(join(purser.dir, 'certs', 'token.key')), 'certs/token.key was generated');
  assert.match(readFileSync(purser.certFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);

  const health = await fetch(`${purser.url}/healthz`);
  assert.equal(health.status, 200, await health.text());

  const stopping = purser;
  purser = undefined;
  const code = await stopping.stop(); // SIGTERM, then SIGKILL (code null) after 10 s
  assert.equal(code, 0, `purser should exit 0 on SIGTERM; it printed:\n${stopping.output()}`);
  assert.match(stopping.output(), /"msg":"stopped"/);
});

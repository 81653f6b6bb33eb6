/**
 * purser as a process, the way an operator starts it: a fresh directory with only acl.yml and
 * users.htpasswd, no signing key yet, stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PURSER_BIN, tempDir } from '../helpers/cli.js';
import { freePort } from './harness/free-port.js';
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

test('purser keeps serving, and still stops on SIGTERM, after the reader of its log goes away', async () => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'acl.yml'), 'acl: []\n');
  writeFileSync(join(dir, 'users.htpasswd'), '');
  const port = await freePort();
  const child = spawn(process.execPath, [PURSER_BIN, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, PURSER_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    child.stdout.resume();
    for (let tries = 0; ; tries++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      assert.ok(tries < 100, 'purser did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A log shipper that dies: every later write to stdout fails with EPIPE.
    child.stdout.destroy();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/auth?service=Docker%20registry`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
    }
    child.kill('SIGTERM');
    const exit = await Promise.race([
      new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running 5 s after SIGTERM'), 5000)),
    ]);
    assert.equal(exit, 0);
  } finally {
    child.kill('SIGKILL');
    cleanup();
  }
});

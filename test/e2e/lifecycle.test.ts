/**
 * purser as a process, the way an operator starts it: a fresh directory with only acl.yml and
 * users.htpasswd, no signing key yet, stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import bcrypt from 'bcrypt';
import { PURSER_BIN, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
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

/** purser in a folder of our own, with users hashed at `cost`. */
async function purserIn(users: Record<string, string>, cost: number, env: Record<string, string> = {}) {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'acl.yml'), 'acl:\n  - match: {account: "/.+/", name: "${account}/**"}\n    actions: [pull, push]\n');
  writeFileSync(join(dir, 'users.htpasswd'), Object.entries(users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, cost)}\n`).join(''));
  const port = await freePort();
  const child = spawn(process.execPath, [PURSER_BIN, 'serve'], { cwd: dir, env: { PATH: process.env.PATH, PURSER_LISTEN: `127.0.0.1:${port}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); tries++) {
    assert.ok(tries < 100, `purser did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { dir, url, child, exited, output: () => output, cleanup: () => (child.kill('SIGKILL'), cleanup()) };
}

test('SIGTERM lets requests in flight finish, refuses new connections, and exits 0', async () => {
  // Cost 13 makes each login take a noticeable time: they are still running when SIGTERM arrives.
  const purser = await purserIn({ slow: 'right' }, 13);
  try {
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      fetch(`${purser.url}/auth?service=Docker%20registry`, { headers: { Authorization: `Basic ${Buffer.from(`slow:wrong-${i}`).toString('base64')}` } }).then((r) => r.status),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    purser.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = await fetch(`${purser.url}/healthz`).then(() => 'answered', (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? 'failed');
    assert.deepEqual(await Promise.all(inFlight), [401, 401, 401, 401, 401, 401]);
    assert.equal(late, 'ECONNREFUSED');
    assert.equal(await purser.exited, 0);
    assert.match(purser.output(), /"msg":"shutting down: finishing requests in flight"/);
  } finally {
    purser.cleanup();
  }
});

test('SIGHUP reloads the files (with automatic reloading off)', async () => {
  const purser = await purserIn({ alice: 'first' }, 4, { PURSER_RELOAD_INTERVAL: '0' });
  const asAlice = (password: string) =>
    fetch(`${purser.url}/auth?service=Docker%20registry`, { headers: { Authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}` } }).then((r) => r.status);
  try {
    writeFileSync(join(purser.dir, 'users.htpasswd'), `alice:${bcrypt.hashSync('second', 4)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await asAlice('first'), 200, 'nothing reloads by itself with PURSER_RELOAD_INTERVAL=0');
    purser.child.kill('SIGHUP');
    let status = await asAlice('second');
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await asAlice('second');
    }
    assert.equal(status, 200);
    assert.equal(await asAlice('first'), 401);
    assert.match(purser.output(), /"reason":"SIGHUP".*"msg":"configuration reloaded"/);
  } finally {
    purser.cleanup();
  }
});

test('a full disk under the audit file neither stops the server nor its shutdown', async () => {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  const purser = await purserIn({ alice: 'pw' }, 4, { PURSER_AUDIT_LOG: '/dev/full' });
  try {
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${purser.url}/auth?service=Docker%20registry`, { headers: { Authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` } });
      assert.equal(res.status, 200);
    }
    let metrics = '';
    for (let i = 0; i < 30 && !/^purser_audit_write_errors_total [1-9]/m.test(metrics); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await (await fetch(`${purser.url}/metrics`)).text();
    }
    assert.match(metrics, /^purser_audit_write_errors_total [1-9]/m);
    assert.match(purser.output(), /cannot write the audit file/);
    purser.child.kill('SIGTERM');
    const exit = await Promise.race([purser.exited, new Promise((resolve) => setTimeout(() => resolve('still running 8 s after SIGTERM'), 8000))]);
    assert.equal(exit, 0);
  } finally {
    purser.cleanup();
  }
});

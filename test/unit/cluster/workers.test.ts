import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcrypt';
import { PURSER_BIN, tempDir } from '../../helpers/cli.js';

const ACL = 'acl:\n  - match: {name: "public/**"}\n    actions: [pull]\n';

function start(dir: string, port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [PURSER_BIN, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, PURSER_LISTEN: `127.0.0.1:${port}`, PURSER_WORKERS: '2', PURSER_RELOAD_INTERVAL: '0', PURSER_RELOAD_SETTLE: '0', PURSER_AUDIT_LOG: 'audit.log', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function token(url: string, scope: string): Promise<unknown> {
  const body = (await (await fetch(`${url}/auth?service=Docker%20registry&scope=${scope}`)).json()) as { token: string };
  return (JSON.parse(Buffer.from(body.token.split('.')[1] ?? '', 'base64url').toString()) as { access: Array<{ actions: unknown }> }).access[0]?.actions;
}

test('PURSER_WORKERS=2: both workers serve, /metrics adds them up, SIGHUP reaches each, SIGTERM stops all', async () => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'acl.yml'), ACL);
  writeFileSync(join(dir, 'users.htpasswd'), `alice:${bcrypt.hashSync('pw', 4)}\n`);
  const port = 21000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  const purser = start(dir, port);
  try {
    for (let tries = 0; (purser.output().match(/purser is listening/g) ?? []).length < 2; tries++) {
      assert.ok(tries < 200, `workers did not start:\n${purser.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let i = 0; i < 40; i++) assert.deepEqual(await token(url, 'repository:public/a:pull'), ['pull']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^purser_token_requests_total\{outcome="granted",grant_type="anonymous",source="anonymous"\} 40$/m);
    const workers = new Set([...purser.output().matchAll(/"pid":(\d+)[^\n]*purser is listening/g)].map((m) => m[1]));
    assert.equal(workers.size, 2);

    writeFileSync(join(dir, 'acl.yml'), 'acl:\n  - match: {name: "public/**"}\n    actions: []\n');
    purser.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((purser.output().match(/"msg":"configuration reloaded"/g) ?? []).length, 2, 'each worker reloaded');
    for (let i = 0; i < 20; i++) assert.deepEqual(await token(url, 'repository:public/a:pull'), [], 'no worker kept the old ACL');

    purser.child.kill('SIGTERM');
    assert.equal(await purser.exited, 0);
    for (const pid of workers) assert.throws(() => process.kill(Number(pid), 0), 'the worker is gone');
  } finally {
    purser.child.kill('SIGKILL');
    cleanup();
  }
});

test('with workers, an invalid configuration stops the start at once: exit 1, no crash loop', async () => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'acl.yml'), 'acl:\n  - match: {acount: x}\n    actions: [pull]\n');
  writeFileSync(join(dir, 'users.htpasswd'), '');
  const purser = start(dir, 21000 + Math.floor(Math.random() * 20000));
  try {
    const code = await Promise.race([purser.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    assert.equal(code, 1);
    assert.match(purser.output(), /acl\.yml:2: acl\[0\]\.match\.acount: unknown condition/);
    assert.doesNotMatch(purser.output(), /a worker died/);
  } finally {
    purser.child.kill('SIGKILL');
    cleanup();
  }
});

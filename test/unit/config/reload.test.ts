import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../../src/observe/logger.js';
import { basic, decodeJwt } from '../../helpers/app.js';
import { freshPair } from '../../helpers/keys.js';
import { startFileServer, type FileServer } from '../../helpers/server.js';
import { TEST_ACL, TEST_USERS } from '../../helpers/snapshot.js';
import { htpasswdFor } from '../../helpers/users.js';

const SERVICE = 'service=Docker%20registry';

async function token(server: FileServer, user: string | undefined, scope: string): Promise<{ status: number; actions?: unknown }> {
  const headers: Record<string, string> = user === undefined ? {} : { Authorization: basic(user, TEST_USERS[user as keyof typeof TEST_USERS] ?? 'x') };
  const res = await fetch(`${server.url}/auth?${SERVICE}&scope=${scope}`, { headers });
  if (res.status !== 200) return { status: res.status };
  const claims = decodeJwt(((await res.json()) as { token: string }).token).claims as { access: Array<{ actions: unknown }> };
  return { status: 200, actions: claims.access[0]?.actions };
}

interface Readiness {
  lastReload: { at: string; ok: boolean; problems?: number } | null;
  users: number;
  rules: number;
}

async function readyz(server: FileServer): Promise<Readiness> {
  return (await (await fetch(`${server.url}/readyz`)).json()) as Readiness;
}

/** A logger whose lines the test can read. */
function capturedLog(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

async function metric(server: FileServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Polls until `check` passes, for changes picked up by watching rather than SIGHUP. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('live reload', () => {
  let server: FileServer;
  const log = capturedLog();
  before(async () => {
    // Only the test's own reloads, so that each one's outcome is the test's to assert (a watcher's
    // reload could otherwise take the change first, or run in between).
    server = await startFileServer({ logger: log.logger, env: { PURSER_RELOAD_INTERVAL: '0' } });
  });
  after(() => server.stop());
  beforeEach(() => {
    log.lines.length = 0;
  });

  test('a user removed from users.htpasswd stops working at the next request after the reload', async () => {
    assert.equal((await token(server, 'bob', 'repository:bob/a:pull')).status, 200);
    server.write('users.htpasswd', htpasswdFor({ admin: TEST_USERS.admin, alice: TEST_USERS.alice }));
    assert.equal(await server.reload('test'), 'reloaded');
    assert.equal((await token(server, 'bob', 'repository:bob/a:pull')).status, 401);
    assert.equal((await token(server, 'alice', 'repository:alice/a:pull')).status, 200);
  });

  test('a rule removed from acl.yml stops working at the next request after the reload', async () => {
    assert.deepEqual((await token(server, undefined, 'repository:public/x:pull')).actions, ['pull']);
    server.write('acl.yml', TEST_ACL.replace(/  - match: \{name: "public\/\*\*"\}\n    actions: \[pull\]\n    comment: public pulls\n/, ''));
    assert.equal(await server.reload('test'), 'reloaded');
    assert.deepEqual((await token(server, undefined, 'repository:public/x:pull')).actions, []);
    server.write('acl.yml', TEST_ACL);
    assert.equal(await server.reload('test'), 'reloaded');
  });

  const invalid: Array<[string, string, string, RegExp]> = [
    ['bad YAML', 'acl.yml', 'acl:\n  - match: {account: [\n', /invalid YAML/],
    ['an unknown field', 'acl.yml', 'acl:\n  - match: {acount: x}\n    actions: [pull]\n', /acl\[0\]\.match\.acount/],
    ['a half-written file', 'acl.yml', TEST_ACL.slice(0, TEST_ACL.indexOf('actions: [pull, push]') + 12), /acl\.yml/],
    ['a bad hash line', 'users.htpasswd', `${htpasswdFor(TEST_USERS)}\nmallory:$apr1$x$y\n`, /mallory.*MD5/],
    ['a key that does not match its certificate', 'certs/token.crt', freshPair().certPem, /does not belong/],
  ];
  for (const [what, file, text, message] of invalid) {
    test(`${what} is refused: the last good configuration stays, readiness says so, the log says why`, async () => {
      const failuresBefore = await metric(server, 'purser_config_reload_failures_total');
      const original = readFileSync(join(server.dir, file), 'utf8');
      server.write(file, text);
      try {
        assert.equal(await server.reload('test'), 'refused');
        assert.equal(await metric(server, 'purser_config_reload_failures_total'), failuresBefore + 1);
        // Refused, not unready: the last good configuration is in force, so the load balancer keeps us.
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 200);
        const text = await ready.text();
        const body = JSON.parse(text) as Readiness;
        assert.equal(body.lastReload?.ok, false);
        assert.ok((body.lastReload?.problems ?? 0) >= 1, 'the problems are counted');
        assert.deepEqual(Object.keys(body.lastReload ?? {}).sort(), ['at', 'ok', 'problems']);
        // /readyz is unauthenticated: no path, file name, user name or parser message in it, only
        // times, counts and the (public) key ID.
        assert.deepEqual(Object.keys(body).sort(), ['kid', 'lastReload', 'loadedAt', 'rules', 'status', 'users']);
        for (const leak of [server.dir, file, 'mallory', 'alice', 'error']) assert.equal(text.includes(leak), false, `/readyz shows ${leak}`);
        const refused = log.lines.find((line) => line.includes('reload refused')) ?? '';
        assert.match(refused, message, 'the detail is in the log');
        assert.ok(refused.includes(join(server.dir, file)), 'the log names the file');
        // Still serving with the old configuration.
        assert.deepEqual((await token(server, 'alice', 'repository:alice/a:push')).actions, ['push']);
      } finally {
        server.write(file, original);
      }
      assert.equal(await server.reload('test'), 'unchanged');
      assert.equal((await readyz(server)).lastReload?.ok, true, 'a good file again clears the failure');
    });
  }

  test('a missing file is refused too', async () => {
    renameSync(join(server.dir, 'users.htpasswd'), join(server.dir, 'users.bak'));
    try {
      assert.equal(await server.reload('test'), 'refused');
      assert.deepEqual({ ...(await readyz(server)).lastReload, at: undefined }, { at: undefined, ok: false, problems: 1 });
      assert.match(log.lines.join(''), /users\.htpasswd: cannot read: file not found/);
      assert.equal((await token(server, 'alice', 'repository:alice/a:pull')).status, 200);
    } finally {
      renameSync(join(server.dir, 'users.bak'), join(server.dir, 'users.htpasswd'));
    }
  });

});

describe('watching the files', () => {
  test('an edit is picked up without a signal', async () => {
    const server = await startFileServer();
    try {
      server.write('users.htpasswd', htpasswdFor({ ...TEST_USERS, carol: 'carol-secret' }));
      await eventually(async () => (await readyz(server)).users === 4);
    } finally {
      await server.stop();
    }
  });
});

describe('a Kubernetes-style ConfigMap update (a ..data symlink swap)', () => {
  test('is picked up', async () => {
    const server = await startFileServer();
    try {
      // Lay the files out the way the kubelet does: acl.yml → ..data/acl.yml, ..data → ..v1.
      const mount = join(server.dir, 'config');
      mkdirSync(join(mount, '..v1'), { recursive: true });
      writeFileSync(join(mount, '..v1', 'acl.yml'), TEST_ACL);
      symlinkSync('..v1', join(mount, '..data'));
      symlinkSync('..data/acl.yml', join(mount, 'acl.yml'));
      rmSync(join(server.dir, 'acl.yml'));
      symlinkSync('config/acl.yml', join(server.dir, 'acl.yml'));
      await server.reload('test');
      const rules = (await readyz(server)).rules;

      mkdirSync(join(mount, '..v2'));
      writeFileSync(join(mount, '..v2', 'acl.yml'), `${TEST_ACL}  - match: {name: "extra/*"}\n    actions: [pull]\n`);
      symlinkSync('..v2', join(mount, '..data_tmp'));
      renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
      rmSync(join(mount, '..v1'), { recursive: true });
      await eventually(async () => (await readyz(server)).rules === rules + 1);
    } finally {
      await server.stop();
    }
  });
});

describe('reloading under load', () => {
  test('no request fails, and each answer matches the old or the new ACL, never a mix', async () => {
    const server = await startFileServer();
    const oldAcl = TEST_ACL;
    // The new ACL swaps what alice may do in two places at once: a mixed read would show it.
    const newAcl = TEST_ACL.replace('actions: [pull, push]\n    comment: own namespace', 'actions: [pull]\n    comment: own namespace').replace(
      '  - match: {name: "public/**"}\n    actions: [pull]',
      '  - match: {name: "public/**"}\n    actions: [pull, push]',
    );
    try {
      let stop = false;
      const seen = new Set<string>();
      const failures: string[] = [];
      const load = async () => {
        while (!stop) {
          const res = await fetch(`${server.url}/auth?${SERVICE}&scope=repository:alice/x:pull,push&scope=repository:public/y:pull,push`, {
            headers: { Authorization: basic('alice', TEST_USERS.alice) },
          });
          if (res.status !== 200) {
            failures.push(String(res.status));
            continue;
          }
          const access = decodeJwt(((await res.json()) as { token: string }).token).claims.access as Array<{ actions: string[] }>;
          seen.add(access.map((a) => a.actions.join(',')).join(' | '));
        }
      };
      const workers = Array.from({ length: 8 }, load);
      for (let i = 0; i < 10; i++) {
        server.write('acl.yml', i % 2 === 0 ? newAcl : oldAcl);
        await server.reload('test');
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      stop = true;
      await Promise.all(workers);
      assert.deepEqual(failures, []);
      assert.deepEqual([...seen].sort(), ['pull | pull,push', 'pull,push | pull'].sort());
    } finally {
      await server.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScope } from '../../../src/authz/scope.js';
import { basic, decodeJwt } from '../../helpers/app.js';
import { startFileServer, type FileServer } from '../../helpers/server.js';
import { TEST_ACL, TEST_USERS, testSnapshot } from '../../helpers/snapshot.js';

// The first rule lets the build network publish ci images; its `ip` condition comes last. Cut just
// before that line, the file is still a valid ACL, one that lets anybody push ci images.
const FULL = `groups:
  admins: [admin]
acl:
  - actions: [pull, push]
    comment: the build network publishes ci images
    match:
      name: "ci/**"
      ip: "10.0.0.0/8"
  - match: {name: "ci/**"}
    actions: [pull]
    comment: everybody pulls ci images
${TEST_ACL.slice(TEST_ACL.indexOf('acl:\n') + 5)}`;
const PREFIX = FULL.slice(0, FULL.indexOf('      ip:'));
const SCOPE = 'repository:ci/app:pull,push';

/** What alice (from 127.0.0.1) is granted on ci/app now, e.g. "pull,push"; "" for nothing. */
async function aliceOnCi(server: FileServer): Promise<string> {
  const res = await fetch(`${server.url}/auth?service=Docker%20registry&scope=${SCOPE}`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } });
  assert.equal(res.status, 200);
  const access = decodeJwt(((await res.json()) as { token: string }).token).claims.access as Array<{ actions: string[] }>;
  return access[0]?.actions.join(',') ?? '';
}

/** Opens `file` with O_TRUNC and writes `head`, durably: what a writer that then stalls leaves behind. */
function startInPlaceWrite(file: string, head: string): { finish(rest: string): void } {
  const fd = openSync(file, 'w');
  writeSync(fd, head);
  fsyncSync(fd);
  return {
    finish(rest) {
      writeSync(fd, rest);
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms`);
    await sleep(50);
  }
}

describe('a configuration file written in place (O_TRUNC, then the rest later)', () => {
  test('the cut-short file would be valid, and would grant more than the whole one', () => {
    const grant = (acl: string) =>
      testSnapshot({ acl }).acl.authorize({ account: 'alice', ip: '127.0.0.1', service: 'Docker registry', labels: new Map() }, parseScope(SCOPE)).granted;
    assert.deepEqual(grant(PREFIX), ['pull', 'push']);
    assert.deepEqual(grant(FULL), ['pull']);
  });

  test('a reload during the stall waits for the whole file; the prefix is never in force', async () => {
    const server = await startFileServer({ env: { PURSER_RELOAD_SETTLE: '2' } });
    try {
      assert.equal(await aliceOnCi(server), '', 'the old ACL has no ci rule');
      const seen = new Set<string>();
      const writer = startInPlaceWrite(join(server.dir, 'acl.yml'), PREFIX);
      // A reload at the worst moment (the watcher asks for more of them by itself).
      const reloading = server.reload('test');
      const stallEnds = Date.now() + 1000;
      while (Date.now() < stallEnds) {
        seen.add(await aliceOnCi(server));
        await sleep(50);
      }
      writer.finish(FULL.slice(PREFIX.length));
      assert.equal(await reloading, 'reloaded');
      await eventually(async () => {
        const now = await aliceOnCi(server);
        seen.add(now);
        return now === 'pull';
      }, 5000);
      assert.equal(seen.has('pull,push'), false, 'the cut-short ACL was in force for a while');
      assert.deepEqual([...seen].sort(), ['', 'pull']);
    } finally {
      await server.stop();
    }
  });

  test('at start-up, a file still being written is read once it has settled', async () => {
    let writer: { finish(rest: string): void } | undefined;
    let finished: Promise<void> = Promise.resolve();
    const server = await startFileServer({
      env: { PURSER_RELOAD_SETTLE: '2' },
      before: async (dir) => {
        writer = startInPlaceWrite(join(dir, 'acl.yml'), PREFIX);
        finished = sleep(1000).then(() => writer?.finish(FULL.slice(PREFIX.length)));
      },
    });
    try {
      await finished;
      assert.equal(await aliceOnCi(server), 'pull', 'the server started with the whole file, not the prefix');
    } finally {
      await server.stop();
    }
  });

  test('a file renamed into place is used once it is older than the settle time, at once after that', async () => {
    const server = await startFileServer({ env: { PURSER_RELOAD_SETTLE: '1', PURSER_RELOAD_INTERVAL: '0' } });
    try {
      const file = join(server.dir, 'acl.yml');
      writeFileSync(`${file}.tmp`, FULL);
      renameSync(`${file}.tmp`, file);
      // rename(2) counts as a change (it sets the file's ctime): the settle time runs from here.
      let started = Date.now();
      assert.equal(await server.reload('test'), 'reloaded');
      assert.ok(Date.now() - started >= 900, 'a file renamed a moment ago waits for the settle time');
      assert.equal(await aliceOnCi(server), 'pull');

      writeFileSync(`${file}.tmp`, TEST_ACL);
      renameSync(`${file}.tmp`, file);
      await sleep(1100);
      started = Date.now();
      assert.equal(await server.reload('test'), 'reloaded');
      assert.ok(Date.now() - started < 500, `a settled file is read at once (took ${Date.now() - started} ms)`);
      assert.equal(await aliceOnCi(server), '');
    } finally {
      await server.stop();
    }
  });
});

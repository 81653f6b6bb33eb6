import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSettled, settleWait, UnsettledFileError, type FileState } from '../../../src/config/settled-read.js';
import { tempDir } from '../../helpers/cli.js';

const NOW = 1_000_000;
const at = (msAgo: number, change: Partial<FileState> = {}): FileState => ({ ino: 7, size: 100, mtimeMs: NOW - msAgo, ctimeMs: NOW - msAgo, ...change });

describe('when a file read may be used (settleWait)', () => {
  const cases: Array<[string, FileState, FileState, number, number, number]> = [
    // what, before the read, after it, seen unchanged for (ms), settle (ms), wait (ms)
    ['unchanged for longer than the settle time: at once', at(5000), at(5000), 0, 2000, 0],
    ['modified 500 ms ago: the rest of the settle time', at(500), at(500), 0, 2000, 1500],
    ['a metadata change (ctime) 500 ms ago counts too', at(5000, { ctimeMs: NOW - 500 }), at(5000, { ctimeMs: NOW - 500 }), 0, 2000, 1500],
    ['grew during the read: read again after the settle time', at(5000), at(0, { size: 200 }), 0, 2000, 2000],
    ['replaced during the read (another inode)', at(5000), at(5000, { ino: 8 }), 0, 2000, 2000],
    ['changed during the read, no settle time: read again soon', at(5000), at(0, { size: 200 }), 0, 0, 50],
    ['no settle time: a fresh file at once', at(0), at(0), 0, 0, 0],
    ['seen unchanged for the settle time, though its clock is ahead of ours', at(-60_000), at(-60_000), 2000, 2000, 0],
    ['clock ahead, seen unchanged for 500 ms: the rest of the settle time', at(-60_000), at(-60_000), 500, 2000, 1500],
  ];
  for (const [what, before, after, seenFor, settle, wait] of cases) {
    test(what, () => assert.equal(settleWait(before, after, NOW, NOW - seenFor, settle), wait));
  }
});

describe('readSettled', () => {
  test('a file left alone for the settle time is read at once', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'f'), 'old enough');
      await sleep(250);
      const started = Date.now();
      assert.equal(String(await readSettled(join(dir, 'f'), { settleMs: 200, maxWaitMs: 5000 })), 'old enough');
      assert.ok(Date.now() - started < 150);
    } finally {
      cleanup();
    }
  });

  test('a fresh file is read once it has been still for the settle time', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'f'), 'one');
      const reading = readSettled(join(dir, 'f'), { settleMs: 400, maxWaitMs: 5000 });
      await sleep(200);
      appendFileSync(join(dir, 'f'), ' two');
      assert.equal(String(await reading), 'one two');
    } finally {
      cleanup();
    }
  });

  test('a file that never stops changing is given up on, with a reason', async () => {
    const { dir, cleanup } = tempDir();
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const writer = setInterval(() => appendFileSync(file, 'x'), 50);
    try {
      await assert.rejects(readSettled(file, { settleMs: 200, maxWaitMs: 800 }), (err: unknown) => {
        assert.ok(err instanceof UnsettledFileError);
        assert.equal(err.code, 'ERR_FILE_UNSETTLED');
        assert.match(err.message, /still being written after \d+ s; write it elsewhere and rename it into place/);
        return true;
      });
    } finally {
      clearInterval(writer);
      cleanup();
    }
  });

  test('a wait ends when its signal is aborted', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'f'), 'fresh');
      const stop = new AbortController();
      const reading = readSettled(join(dir, 'f'), { settleMs: 10_000, maxWaitMs: 60_000, signal: stop.signal });
      await sleep(50);
      stop.abort();
      await assert.rejects(reading, { name: 'AbortError' });
    } finally {
      cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { COMMANDS } from '../../../src/cli/commands.js';
import { purser, tempDir } from '../../helpers/cli.js';

describe('purser command line', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('--help lists every command and exits 0', async () => {
    const result = await purser(['--help'], { cwd: dir });
    assert.equal(result.code, 0);
    for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command.name} `, 'm'));
  });

  test('no command is bad usage: exit 2', async () => {
    const result = await purser([], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: purser <command>/);
  });

  test('an unknown command or option is bad usage: exit 2', async () => {
    assert.equal((await purser(['frobnicate'], { cwd: dir })).code, 2);
    const option = await purser(['certs', 'init', '--frob'], { cwd: dir });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--frob'/);
    assert.match(option.stderr, /Usage: purser certs init/);
    const group = await purser(['user'], { cwd: dir });
    assert.equal(group.code, 2);
    assert.match(group.stderr, /user add, user passwd, user del, user list/);
  });

  for (const command of COMMANDS) {
    test(`purser ${command.name} --help exits 0 with its usage`, async () => {
      const result = await purser([...command.name.split(' '), '--help'], { cwd: dir });
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: purser ${command.name}`));
    });
  }

  test('a bad PURSER_* setting is an error naming the variable: exit 1', async () => {
    const result = await purser(['registry-config'], { cwd: dir, env: { PURSER_TOKEN_TTL: '5' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PURSER_TOKEN_TTL: must be at least 60 seconds/);
  });
});

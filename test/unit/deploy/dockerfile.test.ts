import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './deploy-files.js';
import { execForm, parseCopy, parseDockerfile, parseEnv, readDockerfile, type Stage } from './dockerfile.js';

const stages = readDockerfile();
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

describe('the Dockerfile parser', () => {
  test('joins continuations, drops comments, splits stages', () => {
    const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\nFROM c\nENV A=1 B="two words"\n');
    assert.deepEqual(parsed.map((s) => [s.name, s.from]), [['b', 'a'], [undefined, 'c']]);
    assert.equal(parsed[0]?.instructions[0]?.args, 'x    && y');
    assert.deepEqual(parseEnv(parsed[1]?.instructions[0]?.args ?? ''), { A: '1', B: 'two words' });
    assert.deepEqual(parseCopy('--from=build --chown=a:b /x ./y'), { flags: { from: 'build', chown: 'a:b' }, sources: ['/x'], dest: './y' });
  });
});

describe('Dockerfile', () => {
  test('is multi-stage: a build stage and a runtime stage', () => {
    assert.ok(stages.length >= 2, `${stages.length} FROM`);
    assert.ok(stages.slice(0, -1).some((s) => s.name !== undefined), 'the build stage is named');
  });

  test('every stage is based on the same Node 24 image, a maintained LTS (Node 20 reached end of life in April 2026)', () => {
    for (const stage of stages) assert.match(stage.from, /^node:24(?:[-.@]|$)/, `stage ${stage.name ?? ''} is based on Node 24`);
    assert.equal(new Set(stages.map((s) => s.from)).size, 1, `one base image: ${stages.map((s) => s.from).join(', ')}`);
    // Only the image moves on: the package itself still supports Node 20.
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    assert.equal(engines, '>=20');
  });

  test('the runtime stage runs as a user other than root', () => {
    const user = last(runtime, 'USER');
    assert.ok(user, 'the runtime stage has USER');
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/);
  });

  test('the runtime stage exposes 5001 and listens there', () => {
    assert.ok(all(runtime, 'EXPOSE').some((i) => i.args.split(/\s+/).includes('5001')));
    const env = Object.assign({}, ...all(runtime, 'ENV').map((i) => parseEnv(i.args))) as Record<string, string>;
    if (env.PURSER_LISTEN !== undefined) assert.match(env.PURSER_LISTEN, /:5001$/);
  });

  test('HEALTHCHECK runs `purser healthcheck` in exec form', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK');
    assert.ok(healthcheck);
    const command = /\bCMD\s+(.*)$/s.exec(healthcheck.args)?.[1] ?? '';
    const argv = execForm(command.trim());
    assert.ok(argv, 'HEALTHCHECK CMD is a JSON array');
    assert.equal(argv[0], 'node');
    assert.match(argv[1] ?? '', /dist\/src\/cli\/purser\.js$/);
    assert.equal(argv[2], 'healthcheck');
  });

  test('ENTRYPOINT is the exec form (a JSON array), with no shell', () => {
    const entrypoint = last(runtime, 'ENTRYPOINT');
    assert.ok(entrypoint);
    const argv = execForm(entrypoint.args);
    assert.ok(argv, 'ENTRYPOINT is a JSON array, so node is PID 1 and gets SIGTERM');
    assert.deepEqual(argv, ['node', 'dist/src/cli/purser.js']);
    assert.ok(!argv.some((a) => /^(\/bin\/)?(ba)?sh$/.test(a) || a === '-c'), 'no sh -c');
    const cmd = last(runtime, 'CMD');
    assert.deepEqual(cmd && execForm(cmd.args), ['serve']);
  });

  test('the runtime stage installs production dependencies only (npm ci --omit=dev)', () => {
    const runs = all(runtime, 'RUN').map((i) => i.args);
    assert.ok(runs.some((r) => /\bnpm ci\b[^&;]*--omit=dev/.test(r)), runs.join('\n'));
    assert.ok(!runs.some((r) => /\bnpm (install|i)\b/.test(r)), 'no npm install');
  });

  test('the runtime stage copies the compiled server from the build stage, not the sources', () => {
    const copies = all(runtime, 'COPY').map((i) => parseCopy(i.args));
    const fromBuild = copies.filter((c) => c.flags.from !== undefined);
    assert.ok(fromBuild.some((c) => c.sources.some((s) => /dist\/src$/.test(s))), 'dist/src comes from the build stage');
    assert.ok(!copies.some((c) => c.flags.from === undefined && c.sources.some((s) => /^(\.\/)?(src|test|bench|node_modules)\b|^\.$/.test(s))));
  });

  test('.dockerignore keeps node_modules, certs, keys and tests out of the build context', () => {
    const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const required of ['node_modules', 'certs', '*.key', 'test']) {
      assert.ok(
        patterns.some((p) => p.replace(/^\/|\/$/g, '').replace(/^\*\*\//, '') === required),
        `.dockerignore excludes ${required}`,
      );
    }
    assert.ok(!patterns.some((p) => /^!.*(certs|\.key)/.test(p)), 'and does not re-include them');
  });
});

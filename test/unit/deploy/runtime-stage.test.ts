import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from './deploy-files.js';
import { execForm, parseCopy, parseEnv, readDockerfile, type Stage } from './dockerfile.js';
import { freePort } from '../../helpers/free-port.js';

const run = promisify(execFile);

/**
 * Replays the Dockerfile's runtime stage in a temporary directory standing in for the image's root:
 * the same COPY and RUN steps (production dependencies from the npm registry, the compiled dist/src
 * for COPY --from=build), then starts the server the way ENTRYPOINT and CMD do, with the image's ENV
 * (paths moved under the temporary root) and checks /healthz and `purser healthcheck`.
 */
test('the runtime stage, replayed, starts the server and passes its health check', { timeout: 240_000 }, async (t) => {
  const stages = readDockerfile();
  const runtime = stages.at(-1) as Stage;
  const root = await mkdtemp(join(tmpdir(), 'purser-runtime-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const inRoot = (path: string): string => join(root, path);
  let workdir = root;
  const image = (path: string): string => (isAbsolute(path) ? inRoot(path) : join(workdir, path));
  const env: Record<string, string> = {};
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] = [];

  for (const { keyword, args, line } of runtime.instructions) {
    const where = `Dockerfile:${line} ${keyword} ${args}`;
    switch (keyword) {
      case 'WORKDIR':
        workdir = image(args);
        await mkdir(workdir, { recursive: true });
        break;
      case 'ENV':
        Object.assign(env, parseEnv(args));
        break;
      case 'COPY': {
        const { flags, sources, dest } = parseCopy(args);
        const target = image(dest);
        for (const source of sources) {
          let from: string;
          if (flags.from !== undefined) {
            // The build stage compiles the repository in its WORKDIR; `npm run build` did the same here.
            const build = stages.find((s) => s.name === flags.from);
            assert.ok(build, `${where}: no stage ${flags.from}`);
            const buildDir = build.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
            from = join(REPO_ROOT, posix.relative(buildDir, source));
          } else {
            from = join(REPO_ROOT, source);
          }
          const into = dest.endsWith('/') || sources.length > 1 ? join(target, posix.basename(source)) : target;
          await mkdir(posix.dirname(into), { recursive: true });
          await cp(from, into, { recursive: true });
        }
        break;
      }
      case 'RUN':
        for (const step of args.split('&&').map((s) => s.trim())) {
          if (/^npm ci\b/.test(step)) {
            assert.match(step, /--omit=dev/, `${where}: production dependencies only`);
            const argv = step.split(/\s+/).slice(1);
            await run('npm', argv, { cwd: workdir, env: { ...process.env, NODE_ENV: 'production' }, maxBuffer: 16 * 1024 * 1024 });
          } else if (/^npm cache clean\b/.test(step)) {
            // Shrinks the image; here it would empty this machine's shared npm cache.
          } else if (/^mkdir -p /.test(step)) {
            for (const dir of step.split(/\s+/).slice(2)) await mkdir(image(dir), { recursive: true });
          } else if (/^chmod [0-7]{3,4} /.test(step)) {
            const [, mode = '', ...paths] = step.split(/\s+/);
            for (const path of paths) await chmod(image(path), parseInt(mode, 8));
          } else if (/^chown /.test(step)) {
            // Ownership needs root; the files belong to whoever runs the tests.
          } else {
            assert.fail(`${where}: the replay does not know the step ${JSON.stringify(step)}; teach it`);
          }
        }
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(args) ?? assert.fail(`${where}: not exec form`);
        break;
      case 'CMD':
        cmd = execForm(args) ?? assert.fail(`${where}: not exec form`);
        break;
      case 'HEALTHCHECK':
        healthcheck = execForm(/\bCMD\s+(.*)$/s.exec(args)?.[1]?.trim() ?? '') ?? assert.fail(`${where}: not exec form`);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'LABEL':
      case 'ARG':
      case 'STOPSIGNAL':
        break;
      default:
        assert.fail(`${where}: the replay does not know ${keyword}; teach it`);
    }
  }

  // The image's settings, with absolute paths moved under the temporary root and a free loopback port.
  const port = await freePort();
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) settings[name] = value.startsWith('/') ? inRoot(value) : value;
  settings.PURSER_LISTEN = `127.0.0.1:${port}`;
  settings.PURSER_LOG_LEVEL = 'warn';
  const childEnv = { PATH: process.env.PATH ?? '', HOME: root, ...settings };

  const [program = '', ...programArgs] = [...entrypoint, ...cmd];
  assert.equal(program, 'node');
  const server = spawn(process.execPath, programArgs, { cwd: workdir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = once(server, 'exit');
  t.after(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline && server.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      status = res.status;
      if (status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, 200, `GET /healthz from the replayed image; server output:\n${output}`);

  const [hcProgram, ...hcArgs] = healthcheck;
  assert.equal(hcProgram, 'node');
  const check = spawn(process.execPath, hcArgs, { cwd: workdir, env: childEnv, stdio: 'ignore' });
  const [code] = (await once(check, 'exit')) as [number | null];
  assert.equal(code, 0, 'purser healthcheck exits 0');

  server.kill('SIGTERM');
  const [exitCode] = (await exited) as [number | null];
  assert.equal(exitCode, 0, `purser exits 0 on SIGTERM; output:\n${output}`);
});


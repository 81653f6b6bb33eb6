#!/usr/bin/env node
import { KEEP_RUNNING, runCli } from './run-cli.js';

// A reader that stops early (purser … | head) closes the pipe: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
  (code) => {
    if (code !== KEEP_RUNNING) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`purser: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

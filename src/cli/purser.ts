#!/usr/bin/env node
import { serve } from '../main.js';
import { healthcheck } from './healthcheck.js';

const USAGE = `purser: a token server for private Docker registries

Usage: purser <command> [options]

Commands:
  serve        start the token server (what npm start runs)
  healthcheck  exit 0 if the local server answers /healthz (for container health checks)

Run purser <command> --help for a command's options.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write('Usage: purser serve\n\nStarts the token server; settings come from PURSER_* environment variables.\n');
      return 0;
    }
    await serve();
    return -1;
  }
  if (command === 'healthcheck') return healthcheck();
  process.stderr.write(`purser: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`purser: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

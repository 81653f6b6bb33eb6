import { parseArgs } from 'node:util';
import { ConfigError, formatIssue } from '../errors.js';
import { line, UsageError, type Command, type CommandIO } from './command.js';
import { COMMANDS } from './commands.js';

/** Returned by commands that keep running (serve): the process must not exit. */
export const KEEP_RUNNING = -1;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'purser: a token server for private Docker registries',
    '',
    'Usage: purser <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Settings come from PURSER_* environment variables (see README.md).',
    'Run purser <command> --help for the options of a command.',
    '',
  ].join('\n');
}

/** Runs one command line; returns its exit status. */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(usage());
    return first === undefined ? 2 : 0;
  }
  const entry =
    COMMANDS.find((c) => c.name === `${first} ${second ?? ''}`.trim()) ?? COMMANDS.find((c) => c.name === first);
  if (entry === undefined) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    io.stderr.write(group.length > 0 && (second === undefined || second.startsWith('-'))
      ? `purser ${first}: name a subcommand: ${group.map((c) => c.name).join(', ')}\n`
      : `purser: unknown command ${JSON.stringify([first, second].filter(Boolean).join(' '))}\n\n${usage()}`);
    const wantsHelp = group.length > 0 && (second === '--help' || second === '-h');
    return wantsHelp ? 0 : 2;
  }
  const command = await entry.load();
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    const parsed = parse(command, rest);
    return await command.run(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      line(io.stderr, `purser ${command.name}: ${err.message}`);
      line(io.stderr);
      io.stderr.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      line(io.stderr, `purser ${command.name}:`);
      for (const issue of err.issues) line(io.stderr, `  ${formatIssue(issue)}`);
      return 1;
    }
    line(io.stderr, `purser ${command.name}: ${(err as Error).message}`);
    return 1;
  }
}

function parse(command: Command, args: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { min, max } = command.positionals;
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    throw new UsageError(
      max === 0 ? `takes no arguments, got ${JSON.stringify(parsed.positionals)}` : `expects ${min === max ? min : `${min} to ${max}`} argument(s), got ${count}`,
    );
  }
  return parsed;
}

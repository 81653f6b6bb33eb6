import type { Readable, Writable } from 'node:stream';
import type { ParseArgsConfig } from 'node:util';

/** What a command may touch: its streams, environment and working directory. Tests pass their own. */
export interface CommandIO {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
}

/** One `purser` command. Exit codes: 0 success, 1 a finding or an error, 2 bad usage; a command may add one, in its help. */
export interface Command {
  /** As typed: `acl explain`. */
  readonly name: string;
  readonly summary: string;
  /** The whole --help text. */
  readonly help: string;
  readonly options: Options;
  /** Allowed number of positional arguments. */
  readonly positionals: { readonly min: number; readonly max: number };
  run(args: Parsed, io: CommandIO): Promise<number>;
}

/** Bad usage: the message and the command's help are printed, and the exit status is 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function stringOption(args: Parsed, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(args: Parsed, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

export function flag(args: Parsed, name: string): boolean {
  return args.values[name] === true;
}

export function integerOption(args: Parsed, name: string, fallback: number, min: number, max: number): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

export function line(out: Writable, text = ''): void {
  out.write(`${text}\n`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './deploy-files.js';

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  /** Upper case: FROM, RUN, COPY ... */
  readonly keyword: string;
  /** Everything after the keyword, trimmed. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  /** The `AS name` of its FROM, if any. */
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** Parses a Dockerfile into stages: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== '' && line.trim().startsWith('#')) return; // comments inside a continuation
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/s.exec(full);
    if (match) instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: start });
  });
  const stages: Array<{ name: string | undefined; from: string; instructions: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(instruction.args);
      stages.push({ name: match?.[2], from: match?.[1] ?? '', instructions: [] });
    } else {
      const current = stages.at(-1);
      if (current === undefined) continue; // ARG before the first FROM
      current.instructions.push(instruction);
    }
  }
  return stages;
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
}

/** The JSON-array (exec) form of CMD, ENTRYPOINT or HEALTHCHECK CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(args) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** `COPY [--from=x] [--chown=y] src... dest`: its flags, sources and destination. */
export function parseCopy(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = execForm(args) ?? args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [name = '', value = ''] = (words.shift() as string).slice(2).split('=');
    flags[name] = value;
  }
  const dest = words.pop() ?? '';
  return { flags, sources: words, dest };
}

/** `ENV a=b c=d` (or the old `ENV a b`) as a mapping; quotes removed. */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...rest] = args.split(/\s+/);
    env[name] = rest.join(' ');
    return env;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    const raw = match[2] as string;
    env[match[1] as string] = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return env;
}

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import bcrypt from 'bcrypt';
import { parseHtpasswd } from '../authn/htpasswd.js';
import { checkHtpasswdName, checkUserName, removeUser, setUserHash, userLineIndex } from '../authn/htpasswd-edit.js';
import { writeFileAtomic } from '../config/atomic-write.js';
import { loadSettings } from '../config/settings.js';
import { readText } from '../config/source-files.js';
import { flag, integerOption, line, stringOption, UsageError, type Command, type CommandIO, type Parsed } from './command.js';
import { readNewPassword } from './password-input.js';

const FILE_OPTION = { file: { type: 'string' } } as const;
const FILE_HELP = '  --file F            the htpasswd file (default: PURSER_HTPASSWD, or users.htpasswd)';
const PASSWORD_OPTIONS = { ...FILE_OPTION, cost: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;
const PASSWORD_HELP = `  --cost N            bcrypt cost, 4 to 16 (default 10; each step doubles the time to check a password)
  --password-stdin    read the password from stdin instead of prompting
${FILE_HELP}`;

function htpasswdFile(args: Parsed, io: CommandIO): string {
  const file = stringOption(args, 'file');
  return file === undefined ? loadSettings(io.env, io.cwd).htpasswdFile : loadSettings({ ...io.env, PURSER_HTPASSWD: file }, io.cwd).htpasswdFile;
}

function userName(args: Parsed, check = checkUserName): string {
  const name = args.positionals[0] ?? '';
  const problem = check(name);
  if (problem !== undefined) throw new UsageError(problem);
  return name;
}

async function hashPassword(args: Parsed, io: CommandIO): Promise<string> {
  const cost = integerOption(args, 'cost', 10, 4, 16);
  const password = await readNewPassword(io, flag(args, 'password-stdin'));
  // Written as $2y$, as Apache's htpasswd -B does, so the file stays usable by Apache tools.
  return (await bcrypt.hash(password, cost)).replace(/^\$2b\$/, '$2y$');
}

async function readIfExists(file: string): Promise<string> {
  return existsSync(file) ? readText(file) : '';
}

/** The htpasswd file, the user named on the command line, the file's text, and whether it has that user. */
async function readUserEntry(args: Parsed, io: CommandIO): Promise<{ file: string; name: string; text: string; exists: boolean }> {
  const file = htpasswdFile(args, io);
  const name = userName(args);
  const text = await readIfExists(file);
  return { file, name, text, exists: userLineIndex(text.split(/\r?\n/), name) >= 0 };
}

export const userAddCommand: Command = {
  name: 'user add',
  summary: 'add a user to users.htpasswd (bcrypt)',
  help: `Usage: purser user add NAME [--cost N] [--password-stdin] [--file F]

Adds NAME with a bcrypt hash of a password read from a prompt (without echo), or from stdin.
The file is replaced atomically; comments, other lines and the file's mode are kept.

NAME cannot contain ":", "/", spaces or control characters, nor start with "#". "/" separates the parts
of a repository name, so ACL rules such as "\${account}/**" would give user "alice/x" part of alice's
namespace. The password must not be empty, and at most 72 bytes (bcrypt ignores the rest).

${PASSWORD_HELP}
`,
  options: PASSWORD_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const { file, name, text, exists } = await readUserEntry(args, io);
    if (exists) {
      line(io.stderr, `purser user add: ${name} already exists in ${file}; use purser user passwd ${name}`);
      return 1;
    }
    const hash = await hashPassword(args, io);
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, setUserHash(text, name, hash).text, 0o600);
    line(io.stdout, `added ${name} to ${file}`);
    return 0;
  },
};

export const userPasswdCommand: Command = {
  name: 'user passwd',
  summary: "change a user's password (revokes the user's refresh tokens)",
  help: `Usage: purser user passwd NAME [--cost N] [--password-stdin] [--file F]

Sets a new password for NAME. Every refresh token (docker login identity token) issued to NAME stops
working, so its clients must log in again.

${PASSWORD_HELP}
`,
  options: PASSWORD_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const { file, name, text, exists } = await readUserEntry(args, io);
    if (!exists) {
      line(io.stderr, `purser user passwd: no user ${name} in ${file}; use purser user add ${name}`);
      return 1;
    }
    const hash = await hashPassword(args, io);
    await writeFileAtomic(file, setUserHash(text, name, hash).text);
    line(io.stdout, `changed the password of ${name} in ${file}`);
    return 0;
  },
};

export const userDelCommand: Command = {
  name: 'user del',
  summary: 'remove a user (and so every refresh token issued to it)',
  help: `Usage: purser user del NAME [--file F]

Removes NAME from the htpasswd file; a running purser stops accepting it, and its refresh tokens, at
the next reload. It also removes names that purser refuses to load (with "/"), which add and passwd refuse.

${FILE_HELP}
`,
  options: FILE_OPTION,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = htpasswdFile(args, io);
    // Any name htpasswd can hold, so that a line purser refuses to load (a name with "/") can be removed.
    const name = userName(args, checkHtpasswdName);
    const next = removeUser(await readIfExists(file), name);
    if (next === undefined) {
      line(io.stderr, `purser user del: no user ${name} in ${file}`);
      return 1;
    }
    await writeFileAtomic(file, next);
    line(io.stdout, `removed ${name} from ${file}`);
    return 0;
  },
};

export const userListCommand: Command = {
  name: 'user list',
  summary: 'list the users of users.htpasswd, and any line purser would refuse',
  help: `Usage: purser user list [--file F]

Lists each user with its bcrypt cost and line. Lines purser would refuse (another hash format, a
duplicate user, a name with "/") are listed as problems, and the exit status is then 1.

${FILE_HELP}
`,
  options: FILE_OPTION,
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const file = htpasswdFile(args, io);
    const { users, issues } = parseHtpasswd(await readText(file), file);
    for (const user of users.values()) line(io.stdout, `${user.name}\tbcrypt cost ${user.cost}\tline ${user.line}`);
    if (users.size === 0) line(io.stdout, `no users in ${file}`);
    for (const issue of issues) line(io.stderr, `${file}:${issue.line}: ${issue.message}`);
    return issues.length > 0 ? 1 : 0;
  },
};

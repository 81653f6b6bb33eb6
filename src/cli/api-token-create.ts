import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSecret, hashSecret } from '../authn/api-token-secret.js';
import { parseExpiryOption, formatTokenTime } from '../config/api-token-expiry.js';
import { API_TOKENS_HEADER, appendApiToken, type NewApiToken } from '../config/api-tokens-edit.js';
import { checkTokenAccount, parseApiTokens } from '../config/api-tokens-file.js';
import { writeFileAtomic } from '../config/atomic-write.js';
import type { Settings } from '../config/settings.js';
import { readOptionalText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { settingsFor } from './acl-source.js';
import { loadUsers, tokensFile, TOKENS_FILE_HELP, TOKENS_FILE_OPTION } from './api-token-file.js';
import { line, listOption, stringOption, UsageError, type Command, type Parsed } from './command.js';

const DEFAULT_EXPIRY = '90d';

export const apiTokenCreateCommand: Command = {
  name: 'api-token create',
  summary: 'make an API token for a CI robot or a user; prints its secret once',
  help: `Usage: purser api-token create --account NAME --name LABEL [--scope PATTERN]... [--group G]...
                           [--expires 90d|DATE|never] [--comment TEXT] [--registry HOST] [--file F]

Makes a token, adds it to the end of the API tokens file (atomically, keeping the file's other entries,
comments and mode; a new file gets mode 0600) and prints its secret. That is the only time the secret is
shown: the file keeps its SHA-256. The secret alone goes to stdout, so it can be piped into a secret
store (... | gh secret set REGISTRY_TOKEN); everything else goes to stderr.

If NAME is a user of users.htpasswd (PURSER_HTPASSWD), the token is that user's (a personal token): it
has the user's groups from acl.yml and stops working when the user is removed. Otherwise it is a robot
token, and NAME an account that exists only in the tokens file, with the groups --group gives it.

  --account NAME     the account the token logs in as (no spaces, control characters, ":" or "/")
  --name LABEL       what the token is for (github-actions, laptop); one per account
  --scope PATTERN    what the token can be granted at most, whatever the ACL allows: type:name:actions with
                     the ACL's globs, e.g. repository:team/**:pull,push (repeatable). Without it, the token
                     gets whatever the ACL gives its account.
  --group G          a robot token's group, for ACL rules with labels: {group: G} (repeatable)
  --expires WHEN     a duration from now (90d, 12h), a date (2027-03-01, midnight UTC), an RFC 3339 time
                     (2027-03-01T12:00:00Z) or never; default ${DEFAULT_EXPIRY}
  --comment TEXT     a note kept with the entry
  --registry HOST    the registry's host[:port], for the docker login line printed
${TOKENS_FILE_HELP}

A name the account already has, or a scope pattern that does not parse, is refused with the message
purser would log for the file, and nothing is written.
`,
  options: {
    account: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    group: { type: 'string', multiple: true },
    expires: { type: 'string' },
    comment: { type: 'string' },
    registry: { type: 'string' },
    ...TOKENS_FILE_OPTION,
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const settings = settingsFor(io);
    const secret = generateSecret();
    const entry = await newEntry(args, settings, hashSecret(secret), Math.floor(Date.now() / 1000));
    const file = tokensFile(args, io, settings);
    const text = existsSync(file) ? await readOptionalText(file) : API_TOKENS_HEADER;
    const next = appendApiToken(text, entry);
    // The whole new file, checked as the server will load it: a duplicate name or a scope that does
    // not parse is refused with the server's own message, and a file it would refuse is never written.
    const parsed = parseApiTokens(parseYamlDocument(next, file));
    if (parsed.tokens === undefined) throw new ConfigError(parsed.issues);
    const written = parsed.tokens.byId(entry.id);
    if (written?.hash !== entry.hash || written.account !== entry.account || written.name !== entry.name || written.comment !== entry.comment) {
      throw new Error(`the entry would not read back as written; ${file} was left unchanged`);
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, next, 0o600);

    line(io.stdout, secret);
    const kind = entry.robot ? `robot token for account ${entry.account}` : `personal token of user ${entry.account}`;
    line(io.stderr, `created API token ${entry.id} (${entry.account}/${entry.name}) in ${file}: a ${kind}`);
    line(io.stderr, `  expires: ${entry.expires === undefined ? 'never' : formatTokenTime(entry.expires)}`);
    line(io.stderr, `  capped to: ${entry.scopes === undefined ? `nothing beyond what the ACL gives ${entry.account}` : entry.scopes.join(' ')}`);
    if (entry.groups.length > 0) line(io.stderr, `  groups: ${entry.groups.join(', ')}`);
    line(io.stderr);
    line(io.stderr, 'The secret above is shown only this once: purser keeps only its SHA-256. Store it now, e.g. as a');
    line(io.stderr, "CI secret named TOKEN, and log in with it (the user name is the token's account):");
    const registry = stringOption(args, 'registry');
    line(io.stderr, `  echo "$TOKEN" | docker login ${registry === undefined ? '<registry>' : shellWord(registry)} -u ${shellWord(entry.account)} --password-stdin`);
    return 0;
  },
};

/** The entry the options describe; bad usage throws UsageError. Personal when the account is a user of users.htpasswd. */
async function newEntry(args: Parsed, settings: Settings, hash: string, now: number): Promise<NewApiToken> {
  const account = required(stringOption(args, 'account'), 'account');
  const accountProblem = checkTokenAccount(account);
  if (accountProblem !== undefined) throw new UsageError(`--account ${accountProblem}`);
  const name = required(stringOption(args, 'name'), 'name');
  if (/\p{Cc}/u.test(name)) throw new UsageError('--name cannot contain control characters');
  const groups = listOption(args, 'group');
  const personal = (await loadUsers(settings)).has(account);
  if (personal && groups.length > 0) {
    throw new UsageError(`${account} is a user of ${settings.htpasswdFile}, so this is a personal token, and personal tokens carry their user's groups (acl.yml groups:); --group is for robot tokens`);
  }
  const expiry = parseExpiryOption(stringOption(args, 'expires') ?? DEFAULT_EXPIRY, now);
  if (!expiry.ok) throw new UsageError(`--expires: ${expiry.message}`);
  const scopes = listOption(args, 'scope');
  return {
    id: `tok_${randomBytes(6).toString('hex')}`,
    account,
    name,
    robot: !personal,
    hash,
    scopes: scopes.length > 0 ? scopes : undefined,
    groups,
    expires: expiry.expires,
    created: now,
    comment: stringOption(args, 'comment'),
  };
}

/** A word the shell takes as it is: quoted only when it holds something the shell would read. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${option} is required`);
  return value;
}

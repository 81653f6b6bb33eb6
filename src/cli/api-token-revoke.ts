import { existsSync } from 'node:fs';
import { removeApiToken } from '../config/api-tokens-edit.js';
import { parseApiTokens } from '../config/api-tokens-file.js';
import { writeFileAtomic } from '../config/atomic-write.js';
import { readOptionalText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { formatIssue } from '../errors.js';
import { settingsFor } from './acl-source.js';
import { tokensFile, TOKENS_FILE_HELP, TOKENS_FILE_OPTION } from './api-token-file.js';
import { line, type Command } from './command.js';

export const apiTokenRevokeCommand: Command = {
  name: 'api-token revoke',
  summary: 'remove an API token (and so every refresh token made from it)',
  help: `Usage: purser api-token revoke ID | ACCOUNT/NAME [--file F]

Removes the token's entry from the API tokens file (atomically; comments, other entries and the mode are
kept). A running purser refuses the token from its next reload (within PURSER_RELOAD_INTERVAL, without a
restart), and refresh tokens made from it (docker login identity tokens) stop working then too. Access
tokens it was already given stay valid until they expire (PURSER_TOKEN_TTL): registries cannot be told.

It also removes an entry from a file purser currently refuses, as long as its YAML parses; the exit
status is then 1, since purser keeps its last good tokens, this one among them, until the file is fixed.

${TOKENS_FILE_HELP}
`,
  options: TOKENS_FILE_OPTION,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const settings = settingsFor(io);
    const file = tokensFile(args, io, settings);
    const ref = args.positionals[0] ?? '';
    const removal = existsSync(file) ? removeApiToken(await readOptionalText(file), file, ref) : { kind: 'not-found' as const };
    if (removal.kind === 'not-found') {
      line(io.stderr, `purser api-token revoke: no API token ${ref} in ${file} (purser api-token list shows ids and ACCOUNT/NAME)`);
      return 1;
    }
    if (removal.kind === 'ambiguous') {
      line(io.stderr, `purser api-token revoke: ${removal.count} entries of ${file} match ${ref}; revoke one by its id`);
      return 1;
    }
    await writeFileAtomic(file, removal.text);
    const { id, account, name } = removal.entry;
    line(io.stdout, `revoked ${id} (${account}/${name}) from ${file}`);
    const { issues } = parseApiTokens(parseYamlDocument(removal.text, file));
    if (issues.length > 0) {
      line(io.stderr, `but ${file} still has problems, so a running purser keeps its last good tokens, this one among them, until they are fixed:`);
      for (const issue of issues) line(io.stderr, `  ${formatIssue(issue)}`);
      return 1;
    }
    const when =
      settings.reloadInterval > 0
        ? `from its next reload, within ${settings.reloadInterval} s (PURSER_RELOAD_INTERVAL), with no restart`
        : 'once it reloads: PURSER_RELOAD_INTERVAL is 0, so send it SIGHUP';
    line(io.stdout, `A running purser refuses the token ${when}; refresh tokens made from it (docker login identity tokens) stop working then too.`);
    line(io.stdout, `Access tokens it already handed out stay valid until they expire, within ${settings.tokenTtl} s (PURSER_TOKEN_TTL).`);
    return 0;
  },
};

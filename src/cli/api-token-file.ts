import { resolve } from 'node:path';
import type { ApiTokenSet } from '../authn/api-token.js';
import { parseHtpasswd, type UserRecord } from '../authn/htpasswd.js';
import { parseApiTokens } from '../config/api-tokens-file.js';
import type { Settings } from '../config/settings.js';
import { readOptionalText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { stringOption, type CommandIO, type Parsed } from './command.js';

export const TOKENS_FILE_OPTION = { file: { type: 'string' } } as const;
export const TOKENS_FILE_HELP = '  --file F           the API tokens file (default: PURSER_API_TOKENS, or api-tokens.yml)';

/** The tokens file a command works on: --file F, or PURSER_API_TOKENS. */
export function tokensFile(args: Parsed, io: CommandIO, settings: Settings): string {
  const file = stringOption(args, 'file');
  return file === undefined ? settings.apiTokensFile : resolve(io.cwd, file);
}

/** The tokens in `file` (none when it does not exist), validated as the server does; throws ConfigError listing every problem. */
export async function loadTokens(file: string): Promise<ApiTokenSet> {
  const parsed = parseApiTokens(parseYamlDocument(await readOptionalText(file), file));
  if (parsed.tokens === undefined) throw new ConfigError(parsed.issues);
  return parsed.tokens;
}

/**
 * The users of users.htpasswd (PURSER_HTPASSWD), as the server would know them: a personal token is
 * alive while its user is here. A missing file is no users.
 */
export async function loadUsers(settings: Settings): Promise<ReadonlyMap<string, UserRecord>> {
  return parseHtpasswd(await readOptionalText(settings.htpasswdFile), settings.htpasswdFile).users;
}

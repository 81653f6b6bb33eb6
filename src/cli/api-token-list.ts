import type { ApiToken } from '../authn/api-token.js';
import { describeExpiryStatus, expiryStatus } from '../authn/api-token-status.js';
import { formatTokenTime } from '../config/api-token-expiry.js';
import { settingsFor } from './acl-source.js';
import { loadTokens, tokensFile, TOKENS_FILE_HELP, TOKENS_FILE_OPTION } from './api-token-file.js';
import { flag, line, stringOption, type Command } from './command.js';

export const apiTokenListCommand: Command = {
  name: 'api-token list',
  summary: 'list the API tokens: account, name, scopes, expiry (never their hashes)',
  help: `Usage: purser api-token list [--account NAME] [--json] [--file F]

Lists each token: id, account, name, kind (robot or personal), the scopes that cap it, when it was created,
when it expires, and its status: ok, expires in N day(s) (within 14 days), or expired. The hashes are
never shown. A file purser would refuse is an error, listed with every problem.

  --account NAME     only this account's tokens
  --json             machine-readable output
${TOKENS_FILE_HELP}
`,
  options: { account: { type: 'string' }, json: { type: 'boolean' }, ...TOKENS_FILE_OPTION },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const settings = settingsFor(io);
    const file = tokensFile(args, io, settings);
    const account = stringOption(args, 'account');
    const tokens = (await loadTokens(file)).entries.filter((token) => account === undefined || token.account === account);
    const now = Math.floor(Date.now() / 1000);
    if (flag(args, 'json')) {
      line(io.stdout, JSON.stringify(tokens.map((token) => tokenJson(token, now)), null, 2));
      return 0;
    }
    if (tokens.length === 0) {
      line(io.stdout, `no API tokens${account === undefined ? '' : ` for account ${account}`} in ${file}`);
      return 0;
    }
    const rows = [
      ['ID', 'ACCOUNT', 'NAME', 'KIND', 'SCOPES', 'CREATED', 'EXPIRES', 'STATUS'],
      ...tokens.map((token) => [
        token.id,
        token.account,
        token.name,
        token.robot ? 'robot' : 'personal',
        token.scopes?.join(' ') ?? '(ACL only)',
        formatTokenTime(token.created),
        token.expires === undefined ? 'never' : formatTokenTime(token.expires),
        describeExpiryStatus(expiryStatus(token, now)),
      ]),
    ];
    const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
    for (const row of rows) line(io.stdout, row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
    return 0;
  },
};

/** Everything about a token but its hash. */
function tokenJson(token: ApiToken, now: number): Record<string, unknown> {
  const status = expiryStatus(token, now);
  return {
    id: token.id,
    account: token.account,
    name: token.name,
    kind: token.robot ? 'robot' : 'personal',
    scopes: token.scopes ?? null,
    groups: token.groups,
    created: formatTokenTime(token.created),
    expires: token.expires === undefined ? null : formatTokenTime(token.expires),
    expired: status.kind === 'expired',
    status: describeExpiryStatus(status),
    comment: token.comment ?? null,
  };
}

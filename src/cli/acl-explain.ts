import { existsSync } from 'node:fs';
import { parseHtpasswd } from '../authn/htpasswd.js';
import { readText } from '../config/source-files.js';
import { directoryGroups } from './directory-groups.js';
import { resolve } from 'node:path';
import { normalizeIp } from '../authz/ip-range.js';
import { decideFor } from '../authz/acl-cases.js';
import { parseScope } from '../authz/scope.js';
import { flag, line, listOption, stringOption, UsageError, type Command } from './command.js';
import { aclPath, loadAcl, settingsFor } from './acl-source.js';
import { explainApiToken } from './acl-explain-token.js';
import { decisionJson, deniedActions, describeGrant, describeRule } from './describe-decision.js';

export const aclExplainCommand: Command = {
  name: 'acl explain',
  summary: 'show which rule decides each scope, and what it grants',
  help: `Usage: purser acl explain [--account NAME | --api-token ID] [--ip ADDR] [--service S] [--group G ...] [--acl FILE] [--json] SCOPE...

For each SCOPE (e.g. repository:team/app:pull,push or registry:catalog:*), shows the rule that decides it
(index, comment, the conditions that matched) and the actions granted, using exactly the matcher the
server uses.

  --account NAME   the account; leave it out (or give "") for an anonymous client
  --api-token ID   what an API token gets (its id, or ACCOUNT/NAME): its account and groups as the server
                   builds them, the rule that decides, then what the token's scopes (its cap) took away.
                   A token the server refuses (expired, or its user removed) is shown as what it would get,
                   under a line saying it is refused, and the exit status is 1
  --api-tokens F   the API tokens file (default: PURSER_API_TOKENS, or api-tokens.yml)
  --ip ADDR        the client's address (rules with ip: never match without one)
  --service S      the service (default: the first of PURSER_SERVICE)
  With LDAP configured (PURSER_LDAP_URL), an account that is not in users.htpasswd gets the groups
  the directory gives it.
  --group G        a group to add to the ones acl.yml gives the account (repeatable; not with --api-token)
  --acl FILE       the ACL (default: PURSER_ACL, or acl.yml)
  --json           machine-readable output

Exit status: 0 when every requested action is granted, 1 when something is denied.
`,
  options: {
    account: { type: 'string' },
    'api-token': { type: 'string' },
    'api-tokens': { type: 'string' },
    ip: { type: 'string' },
    service: { type: 'string' },
    group: { type: 'string', multiple: true },
    acl: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 64 },
  async run(args, io) {
    const settings = settingsFor(io);
    const tokenRef = stringOption(args, 'api-token');
    if (tokenRef !== undefined && args.values.account !== undefined) throw new UsageError('give --account or --api-token, not both: a token names its own account');
    if (tokenRef !== undefined && args.values.group !== undefined) throw new UsageError("--group cannot be given with --api-token: a token's groups are the ones the server gives it");
    const account = stringOption(args, 'account') ?? '';
    const ipText = stringOption(args, 'ip');
    const ip = ipText === undefined ? undefined : normalizeIp(ipText);
    if (ipText !== undefined && ip === undefined) throw new UsageError(`${JSON.stringify(ipText)} is not an IP address`);
    const service = stringOption(args, 'service') ?? settings.services[0] ?? '';
    const groups = listOption(args, 'group');
    for (const scope of args.positionals) {
      try {
        parseScope(scope);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const { acl } = await loadAcl(aclPath(args, io, settings));
    if (tokenRef !== undefined) {
      const tokensFile = stringOption(args, 'api-tokens');
      return explainApiToken(
        {
          ref: tokenRef,
          tokensFile: tokensFile === undefined ? settings.apiTokensFile : resolve(io.cwd, tokensFile),
          acl,
          scopes: args.positionals.map((scope) => parseScope(scope)),
          texts: args.positionals,
          ip,
          service,
          json: flag(args, 'json'),
        },
        settings,
        io,
      );
    }
    // A directory user gets the groups the directory gives it, as at login.
    const localUsers = existsSync(settings.htpasswdFile) ? new Set(parseHtpasswd(await readText(settings.htpasswdFile), settings.htpasswdFile).users.keys()) : new Set<string>();
    groups.push(...(await directoryGroups(settings, account, localUsers, io)));
    const allGroups = [...new Set([...(acl.labelsFor(account).get('group') ?? []), ...groups])];
    const decisions = args.positionals.map((scope) => decideFor(acl, { account, ip, service, groups, scope }));
    const everythingGranted = decisions.every((d) => deniedActions(d).length === 0);

    if (flag(args, 'json')) {
      line(io.stdout, JSON.stringify({ account, ip: ip ?? null, service, groups: allGroups, decisions: decisions.map((d) => decisionJson(acl, d)) }, null, 2));
      return everythingGranted ? 0 : 1;
    }
    const who = account === '' ? 'the anonymous account' : `account ${JSON.stringify(account)}`;
    line(io.stdout, `${who}${allGroups.length > 0 ? ` (groups: ${allGroups.join(', ')})` : ''}, ip ${ip ?? 'unknown'}, service ${JSON.stringify(service)}`);
    decisions.forEach((decision, i) => {
      line(io.stdout);
      line(io.stdout, args.positionals[i]);
      line(io.stdout, `  granted: ${describeGrant(decision)}`);
      line(io.stdout, `  rule:    ${describeRule(acl, decision)}`);
    });
    return everythingGranted ? 0 : 1;
  },
};

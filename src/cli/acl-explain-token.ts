import type { Decision, Identity, Scope } from '../auth.js';
import type { Acl } from '../authz/acl.js';
import { mergeLabels } from '../authz/labels.js';
import { compileScopeCap } from '../authz/scope-cap.js';
import { expired, matchesTokenRef, type ApiToken } from '../authn/api-token.js';
import { apiTokenIdentity } from '../authn/api-token-identity.js';
import { formatTokenTime } from '../config/api-token-expiry.js';
import type { Settings } from '../config/settings.js';
import { authorize } from '../grant/authorize.js';
import { loadTokens, loadUsers } from './api-token-file.js';
import { line, type CommandIO } from './command.js';
import { decisionJson, deniedActions, describeGrant, describeRule } from './describe-decision.js';

export interface TokenExplainRequest {
  readonly ref: string;
  readonly tokensFile: string;
  readonly acl: Acl;
  readonly scopes: readonly Scope[];
  readonly texts: readonly string[];
  readonly ip: string | undefined;
  readonly service: string;
  readonly json: boolean;
}

interface CapEffect {
  /** The token's scope patterns that match the scope's type and name. */
  readonly matching: readonly string[];
  /** What the ACL granted that the cap took away. */
  readonly tookAway: readonly string[];
}

/**
 * `acl explain --api-token`: the identity the server would build for the token (ApiTokenSource's own
 * function, then acl.yml's groups merged in as the chain does), decided by the server's authorize(),
 * ACL then cap. A token the server would refuse (expired, or a personal token whose user is gone) is
 * still explained, as what it would get if it were valid, under a line saying it is refused; the exit
 * status is then 1, since the server grants it nothing.
 */
export async function explainApiToken(request: TokenExplainRequest, settings: Settings, io: CommandIO): Promise<number> {
  const tokens = await loadTokens(request.tokensFile);
  const token = tokens.entries.find((entry) => matchesTokenRef(entry, request.ref));
  if (token === undefined) {
    line(io.stderr, `purser acl explain: no API token ${request.ref} in ${request.tokensFile} (purser api-token list shows them)`);
    return 1;
  }
  const userExists = (await loadUsers(settings)).has(token.account);
  const now = Math.floor(Date.now() / 1000);
  const refused = expired(token, now)
    ? `expired on ${formatTokenTime(token.expires ?? now)}`
    : !token.robot && !userExists
      ? `its user ${token.account} is no longer in ${settings.htpasswdFile}`
      : undefined;
  // What the htpasswd source answers for a user it has: the account, no labels of its own.
  const user: Identity | undefined = token.robot ? undefined : { account: token.account, labels: new Map(), source: 'htpasswd' };
  const own = apiTokenIdentity(token, user);
  const identity: Identity = { ...own, labels: mergeLabels(request.acl.labelsFor(token.account), own.labels) };
  const { cap: _cap, ...uncapped } = identity;
  const context = { ip: request.ip, service: request.service };
  const decisions = authorize(request.acl, identity, request.scopes, context);
  const aclOnly = authorize(request.acl, uncapped, request.scopes, context);
  const rows: Row[] = decisions.map((decision, i) => ({ text: request.texts[i] ?? '', decision, aclOnly: aclOnly[i] as Decision, cap: capEffect(token, decision, aclOnly[i] as Decision) }));
  const explained = { token, refused, groups: identity.labels.get('group') ?? [], rows };
  if (request.json) printJson(explained, request, io);
  else printText(explained, request, io);
  return refused === undefined && decisions.every((d) => deniedActions(d).length === 0) ? 0 : 1;
}

interface Row {
  readonly text: string;
  readonly decision: Decision;
  /** The ACL's decision alone, before the cap. */
  readonly aclOnly: Decision;
  readonly cap: CapEffect | undefined;
}

interface Explained {
  readonly token: ApiToken;
  readonly refused: string | undefined;
  readonly groups: readonly string[];
  readonly rows: readonly Row[];
}

function printText({ token, refused, groups, rows }: Explained, request: TokenExplainRequest, io: CommandIO): void {
  const kind = token.robot ? 'robot' : `personal token of user ${JSON.stringify(token.account)}`;
  const who = `account ${JSON.stringify(token.account)}${groups.length > 0 ? ` (groups: ${groups.join(', ')})` : ''}`;
  line(io.stdout, `API token ${token.id} (${token.account}/${token.name}), ${kind}: ${who}, ip ${request.ip ?? 'unknown'}, service ${JSON.stringify(request.service)}`);
  line(io.stdout, `capped to: ${token.scopes === undefined ? 'nothing (the token has no scopes: the ACL alone decides)' : token.scopes.join(' ')}`);
  if (refused !== undefined) line(io.stdout, `REFUSED: ${refused}. purser refuses this token, so it gets nothing; below is what it would get if it were valid.`);
  for (const row of rows) {
    line(io.stdout);
    line(io.stdout, row.text);
    line(io.stdout, `  granted: ${describeGrant(row.decision)}`);
    line(io.stdout, `  rule:    ${describeRule(request.acl, row.decision)}`);
    if (row.cap !== undefined) line(io.stdout, `  cap:     ${describeCap(row.cap, row.decision)}`);
  }
}

function printJson({ token, refused, groups, rows }: Explained, request: TokenExplainRequest, io: CommandIO): void {
  const out = {
    token: {
      id: token.id,
      account: token.account,
      name: token.name,
      kind: token.robot ? 'robot' : 'personal',
      scopes: token.scopes ?? null,
      expires: token.expires === undefined ? null : formatTokenTime(token.expires),
      refused: refused ?? null,
    },
    account: token.account,
    ip: request.ip ?? null,
    service: request.service,
    groups,
    decisions: rows.map((row) => ({ ...decisionJson(request.acl, row.decision), aclGranted: row.aclOnly.granted, cap: row.cap ?? null })),
  };
  line(io.stdout, JSON.stringify(out, null, 2));
}

/** Undefined when the token has no cap, or the ACL granted nothing for it to act on. */
function capEffect(token: ApiToken, decision: Decision, aclOnly: Decision): CapEffect | undefined {
  if (token.scopes === undefined || aclOnly.granted.length === 0) return undefined;
  // Each pattern on its own, through the same compiled cap: does it match this scope's type and name?
  const matching = token.scopes.filter((pattern) => compileScopeCap([pattern]).restrict(decision.scope, ['*']).length > 0);
  const tookAway = aclOnly.granted.filter((action) => !decision.granted.includes(action));
  return { matching, tookAway };
}

function describeCap(effect: CapEffect, decision: Decision): string {
  const which = effect.matching.length === 0 ? "none of the token's scopes matches" : `the token's scopes that match: ${effect.matching.join(' ')}`;
  if (effect.tookAway.length === 0) return `lets through what the rule granted (${which})`;
  // A granted "*" becomes the actions the cap allows.
  if (effect.tookAway.includes('*')) return `narrowed * to ${decision.granted.length > 0 ? decision.granted.join(', ') : 'nothing'} (${which})`;
  return `took away ${effect.tookAway.join(', ')} (${which})`;
}

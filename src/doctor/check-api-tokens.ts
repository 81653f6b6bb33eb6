import type { ApiTokenSet } from '../authn/api-token.js';
import { EXPIRING_DAYS, expiryStatus } from '../authn/api-token-status.js';
import type { UserRecord } from '../authn/htpasswd.js';
import { formatTokenTime } from '../config/api-token-expiry.js';
import { ok, type Finding } from './finding.js';

/**
 * API tokens that need a person's attention, though purser runs fine: one about to expire (a CI
 * pipeline breaks when it does), one that never expires (a leaked secret works for ever), one
 * already expired (dead weight in the file), and a personal token whose user is gone (refused,
 * but it comes back to life if a user of that name is ever added again).
 */
export function checkApiTokens(tokens: ApiTokenSet, users: ReadonlyMap<string, UserRecord>, now: number): Finding[] {
  const findings: Finding[] = [];
  for (const token of tokens.entries) {
    const label = `API token ${token.id} (${token.account}/${token.name})`;
    const revoke = `purser api-token revoke ${token.id}`;
    const create = `purser api-token create --account ${token.account} --name … --expires 90d`;
    const replace = `make a new one (${create}), hand it over, then ${revoke}`;
    const status = expiryStatus(token, now);
    if (status.kind === 'expired') {
      findings.push({ level: 'warn', what: `${label} expired on ${formatTokenTime(token.expires ?? now)}`, says: 'audit: reason api_token_expired', fix: `${revoke}; if it is still needed, make a new one first (${create})` });
    } else if (status.kind === 'expiring') {
      findings.push({ level: 'warn', what: `${label} expires in ${status.days} day(s), on ${formatTokenTime(token.expires ?? now)}`, says: 'audit: reason api_token_expired, from then on', fix: replace });
    } else if (status.kind === 'never') {
      findings.push({ level: 'warn', what: `${label} never expires: if its secret leaks, it works until someone revokes it`, fix: replace });
    }
    if (!token.robot && !users.has(token.account)) {
      findings.push({
        level: 'warn',
        what: `${label} is a personal token, but its user ${token.account} is no longer in users.htpasswd`,
        says: 'audit: reason api_token_user_gone',
        fix: `${revoke}: if a user named ${token.account} is ever added again, whoever holds this token would log in as that user`,
      });
    }
  }
  if (tokens.entries.length === 0) return [ok('no API tokens')];
  if (findings.length === 0) findings.push(ok(`${tokens.entries.length} API token(s): none expired, expiring within ${EXPIRING_DAYS} days or without expiry; every personal token's user exists`));
  return findings;
}

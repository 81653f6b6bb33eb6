import type { Binding, Identity } from '../auth.js';
import type { ApiToken } from './api-token.js';

/** The identity source's name: in bindings, the audit trail and the metrics. */
export const API_TOKEN_SOURCE = 'api-token';

/**
 * The identity an API token proves, before the chain merges in acl.yml's groups: a robot is its own
 * account with the groups the tokens file gives it; a personal token is `user`, the identity its
 * account has in users.htpasswd. Either way the token's scopes cap it. One function for the server
 * and `purser acl explain --api-token`, so the CLI explains exactly what the server grants.
 */
export function apiTokenIdentity(token: ApiToken, user: Identity | undefined): Identity {
  const source = API_TOKEN_SOURCE;
  const binding: Binding = {
    source,
    values: { id: token.id, fp: apiTokenFingerprint(token) },
    ...(token.expires === undefined ? {} : { notAfter: token.expires }),
  };
  const labels = token.robot ? new Map(token.groups.length > 0 ? [['group', token.groups]] : []) : (user?.labels ?? new Map());
  return {
    account: token.account,
    labels,
    source,
    binding,
    audit: apiTokenAudit(token),
    ...(token.cap === undefined ? {} : { cap: token.cap }),
  };
}

/** Audit fields naming the token; never its hash. */
export function apiTokenAudit(token: ApiToken): Readonly<Record<string, string>> {
  return { token_id: token.id, token_name: token.name };
}

/** Ties a refresh token to this token's secret, not just its id: a token made again under the same id has another. */
export function apiTokenFingerprint(token: ApiToken): string {
  return token.hash.slice('sha256:'.length, 'sha256:'.length + 16);
}

import { formatScope } from '../authz/scope.js';
import type { TokenGrant } from '../grant/token-request.js';

/** docs/spec/auth/token.md: `token` and `access_token` are the same JWT. */
export function getResponseBody(grant: TokenGrant): Record<string, unknown> {
  return {
    token: grant.accessToken,
    access_token: grant.accessToken,
    expires_in: grant.expiresIn,
    issued_at: grant.issuedAt,
    ...(grant.refreshToken === undefined ? {} : { refresh_token: grant.refreshToken }),
  };
}

/** docs/spec/auth/oauth.md, plus `token` for clients that read only that, and RFC 6749's token_type. */
export function postResponseBody(grant: TokenGrant, exchange = false): Record<string, unknown> {
  return {
    access_token: grant.accessToken,
    token: grant.accessToken,
    token_type: 'Bearer',
    scope: grant.decisions
      .filter((decision) => decision.granted.length > 0)
      .map((decision) => formatScope(decision.scope, decision.granted))
      .join(' '),
    expires_in: grant.expiresIn,
    issued_at: grant.issuedAt,
    ...(grant.refreshToken === undefined ? {} : { refresh_token: grant.refreshToken }),
    // RFC 8693 section 2.2.1.
    ...(exchange ? { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' } : {}),
  };
}

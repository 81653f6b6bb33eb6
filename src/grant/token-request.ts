import type { Decision, Identity, Presented, Scope } from '../auth.js';

/** How the client proved who it is. GET with Basic credentials is a password grant too. */
export type GrantType = 'password' | 'refresh_token' | 'token_exchange' | 'anonymous';

/** A token request, parsed from GET query or POST form, independent of HTTP from here on. */
export interface TokenRequest {
  readonly method: 'GET' | 'POST';
  readonly grantType: GrantType;
  /** undefined: the request named no service, and the first accepted one is used. */
  readonly service: string | undefined;
  readonly scopes: readonly Scope[];
  /** The credential; undefined for an anonymous request. */
  readonly presented: Presented | undefined;
  readonly clientId: string | undefined;
  /** offline_token=true (GET) or access_type=offline (POST): also return a refresh token. */
  readonly offline: boolean;
  /** The client's address, when known (see src/http/client-ip.ts). */
  readonly ip: string | undefined;
  /** The key the throttle counts the client under. */
  readonly throttleKey: string;
}

/** What was issued. */
export interface TokenGrant {
  readonly identity: Identity;
  readonly service: string;
  readonly decisions: readonly Decision[];
  readonly accessToken: string;
  readonly jti: string;
  readonly expiresIn: number;
  /** RFC 3339, UTC. */
  readonly issuedAt: string;
  readonly refreshToken: string | undefined;
}

/** Filled in as a request is processed, for its audit event, whatever the outcome. */
export interface GrantTrace {
  account?: string;
  source?: string;
  service?: string;
  decisions?: readonly Decision[];
  failure?: string;
  jti?: string;
  /** The access token is one shared with an identical grant (PURSER_GRANT_REUSE). */
  reused?: boolean;
  /** Source-specific audit fields of the identity (an API token's id and name). */
  identityAudit?: Readonly<Record<string, string>>;
}

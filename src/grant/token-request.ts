import type { Decision, Identity, PasswordCredentials, Scope, Secret } from '../auth.js';

/** How the client proved who it is. GET with Basic credentials is a password grant too. */
export type GrantType = 'password' | 'refresh_token' | 'anonymous';

/** A token request, parsed from GET query or POST form, independent of HTTP from here on. */
export interface TokenRequest {
  readonly method: 'GET' | 'POST';
  readonly grantType: GrantType;
  /** undefined: the request named no service, and the first accepted one is used. */
  readonly service: string | undefined;
  readonly scopes: readonly Scope[];
  readonly credentials: PasswordCredentials | undefined;
  readonly refreshToken: Secret | undefined;
  readonly clientId: string | undefined;
  /** offline_token=true (GET) or access_type=offline (POST): also return a refresh token. */
  readonly offline: boolean;
  readonly ip: string | undefined;
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
  service?: string;
  decisions?: readonly Decision[];
  failure?: string;
  jti?: string;
}

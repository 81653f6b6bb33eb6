import { epochSeconds, type Clock } from '../clock.js';
import type { Snapshot } from '../config/snapshot.js';
import { authenticate, type AuthenticateDeps } from './authenticate.js';
import { authorize } from './authorize.js';
import { mintTokens } from './mint-tokens.js';
import { resolveService } from './resolve-service.js';
import type { GrantTrace, TokenGrant, TokenRequest } from './token-request.js';

export interface GrantDeps extends AuthenticateDeps {
  readonly clock: Clock;
}

/**
 * The token endpoint's work, whatever the transport: service → authenticate → authorize each scope
 * → sign. `snapshot` is read once by the caller, so one request sees one configuration throughout.
 */
export async function issueToken(request: TokenRequest, snapshot: Snapshot, deps: GrantDeps, trace: GrantTrace): Promise<TokenGrant> {
  const service = resolveService(request.service, snapshot.settings.services);
  trace.service = service;
  const { identity, presentedRefreshToken } = await authenticate(request, service, snapshot, deps, trace);
  trace.account = identity.account;
  trace.source = identity.source;
  if (identity.audit !== undefined) trace.identityAudit = identity.audit;
  const decisions = authorize(snapshot.acl, identity, request.scopes, { ip: request.ip, service });
  trace.decisions = decisions;
  const now = epochSeconds(deps.clock);
  const minted = await mintTokens({
    snapshot,
    identity,
    service,
    decisions,
    now,
    offline: request.offline,
    presentedRefreshToken,
  });
  trace.jti = minted.jti;
  if (minted.reused) trace.reused = true;
  return {
    identity,
    service,
    decisions,
    accessToken: minted.accessToken,
    jti: minted.jti,
    expiresIn: minted.expiresIn,
    issuedAt: new Date(minted.issuedAt * 1000).toISOString().replace('.000Z', 'Z'),
    refreshToken: minted.refreshToken,
  };
}

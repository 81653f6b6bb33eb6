import type { Identity, Secret } from '../auth.js';
import type { IdentityChain } from '../authn/chain.js';
import type { Snapshot } from '../config/snapshot.js';
import { AuthenticationError } from '../errors.js';
import type { GrantTrace, TokenRequest } from './token-request.js';

export interface AuthenticateDeps {
  readonly chain: IdentityChain;
  /** Counts a failed login by its public kind (never whether the user exists). */
  readonly onFailure: (kind: string) => void;
}

const ANONYMOUS: Identity = Object.freeze({ account: '', labels: new Map(), source: 'anonymous' });

/** Who made the request, with the refresh token it presented, if it proved itself with one. */
export interface Authenticated {
  readonly identity: Identity;
  readonly presentedRefreshToken?: Secret;
}

/**
 * Establishes the identity through the chain of identity sources. Every failure, whatever its
 * cause, becomes the same AuthenticationError; the cause goes to the audit trail only.
 */
export async function authenticate(request: TokenRequest, service: string, snapshot: Snapshot, deps: AuthenticateDeps, trace: GrantTrace): Promise<Authenticated> {
  const presented = request.presented;
  if (presented === undefined) return { identity: ANONYMOUS };
  const outcome = await deps.chain.authenticate(presented, { snapshot, service, ip: request.ip, throttleKey: request.throttleKey });
  if (!outcome.ok) {
    trace.account = outcome.account;
    trace.failure = outcome.reason;
    if (outcome.audit !== undefined) trace.identityAudit = outcome.audit;
    deps.onFailure(presented.kind);
    throw new AuthenticationError(outcome.reason);
  }
  return outcome.reuse === undefined ? { identity: outcome.identity } : { identity: outcome.identity, presentedRefreshToken: outcome.reuse };
}

import type { AuthnFailure, Identity, PasswordCredentials } from '../auth.js';
import type { PasswordVerifier } from '../authn/password-verifier.js';
import { looksLikeJwt, verifyRefreshToken } from '../authn/refresh-token.js';
import { epochSeconds, type Clock } from '../clock.js';
import type { Snapshot } from '../config/snapshot.js';
import { AuthenticationError } from '../errors.js';
import type { Throttle } from '../throttle/throttle.js';
import type { GrantTrace, TokenRequest } from './token-request.js';

export interface AuthenticateDeps {
  readonly clock: Clock;
  readonly passwords: PasswordVerifier;
  readonly throttle: Throttle;
  readonly onFailure: (reason: AuthnFailure) => void;
}

/** Who made the request, with the refresh token it presented, if it authenticated with one. */
export interface Authenticated {
  readonly identity: Identity;
  readonly presentedRefreshToken?: string;
}

/**
 * Establishes the identity. Each check holds a throttle reservation, taken before any secret is
 * checked (a locked key is refused then) and settled with the outcome; every failure, whatever its
 * cause, becomes the same AuthenticationError (the cause goes to the audit trail).
 */
export async function authenticate(
  request: TokenRequest,
  service: string,
  snapshot: Snapshot,
  deps: AuthenticateDeps,
  trace: GrantTrace,
): Promise<Authenticated> {
  if (request.grantType === 'anonymous') return { identity: { account: '', via: 'anonymous' } };
  // A refresh-token grant names no account up front: it is throttled by IP alone.
  const reservation = await deps.throttle.reserve({ ip: request.ip, account: request.credentials?.username });

  let outcome: Outcome;
  try {
    outcome = request.credentials
      ? await checkPassword(request.credentials, service, snapshot, deps)
      : checkRefreshToken(request.refreshToken?.reveal() ?? '', service, snapshot, deps.clock, undefined);
  } catch (err) {
    await reservation.settle('void');
    throw err;
  }
  if (!outcome.ok) {
    trace.account = outcome.account;
    trace.failure = outcome.reason;
    deps.onFailure(outcome.reason);
    await reservation.settle('failure');
    throw new AuthenticationError(outcome.reason);
  }
  await reservation.settle('success');
  return outcome.authenticated;
}

type Outcome =
  | { readonly ok: true; readonly authenticated: Authenticated }
  | { readonly ok: false; readonly reason: AuthnFailure; readonly account: string };

/**
 * HTTP Basic or an OAuth2 password grant. Some clients send their refresh token as the password,
 * with its subject as the user name; that is accepted too. A password that merely looks like a token
 * but is not a valid one still goes through bcrypt, so timing tells nothing.
 */
async function checkPassword(credentials: PasswordCredentials, service: string, snapshot: Snapshot, deps: AuthenticateDeps): Promise<Outcome> {
  const { username } = credentials;
  const password = credentials.password.reveal();
  let tokenFailure: AuthnFailure | undefined;
  if (looksLikeJwt(password)) {
    const viaToken = checkRefreshToken(password, service, snapshot, deps.clock, username);
    if (viaToken.ok) return viaToken;
    tokenFailure = viaToken.reason;
  }
  const verdict = await deps.passwords.check(snapshot.users.get(username), username, password, snapshot.dummyCost);
  if (verdict === 'ok') return { ok: true, authenticated: { identity: { account: username, via: 'password' } } };
  return { ok: false, reason: tokenFailure ?? verdict, account: username };
}

function checkRefreshToken(token: string, service: string, snapshot: Snapshot, clock: Clock, expectedSubject: string | undefined): Outcome {
  const checked = verifyRefreshToken(token, {
    publicKeys: snapshot.publicKeys,
    issuer: snapshot.settings.issuer,
    service,
    now: epochSeconds(clock),
    users: snapshot.users,
    ...(expectedSubject === undefined ? {} : { expectedSubject }),
  });
  if (!checked.ok) return checked;
  return {
    ok: true,
    authenticated: { identity: { account: checked.user.name, via: 'refresh_token' }, presentedRefreshToken: token },
  };
}

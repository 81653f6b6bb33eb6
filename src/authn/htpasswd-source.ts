import { failed, NOT_MINE, type Binding, type Identity, type Presented, type SourceAnswer } from '../auth.js';
import { constantTimeEqual } from './constant-time.js';
import type { UserRecord } from './htpasswd.js';
import type { IdentitySource, SourceContext } from './identity-source.js';
import type { PasswordVerifier } from './password-verifier.js';
import { passwordFingerprint } from './refresh-token.js';

/** bcrypt reads only the first 72 bytes: a longer password would log in with any suffix. */
export const MAX_PASSWORD_BYTES = 72;

const NO_LABELS = new Map<string, readonly string[]>();

/**
 * Users of users.htpasswd. A user it does not know is "not mine" (a directory may know it); a
 * known user with the wrong password, an empty one or one over 72 bytes has failed, after the same
 * work and time as any other failure. Refresh tokens minted from it carry a fingerprint of the
 * user's hash, so a new password or a removed user ends them.
 */
export class HtpasswdSource implements IdentitySource {
  readonly name = 'htpasswd';
  readonly #verifier: PasswordVerifier;

  constructor(verifier: PasswordVerifier) {
    this.#verifier = verifier;
  }

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    if (presented.kind !== 'password') return NOT_MINE;
    const { users, slowestCost } = context.snapshot;
    const user = users.get(presented.username);
    if (user === undefined) return NOT_MINE;
    const password = presented.password.reveal();
    // The cache is asked inside the guard: answered before it, a locked client would learn which
    // of its guesses is the password a real user logged in with a minute ago (200 against 429).
    return context.guard(user.name, async () => {
      if (this.#verifier.remembered(user, presented.username, password)) return { kind: 'identity', identity: identityOf(user) };
      const unusable = password === '' ? 'empty_password' : Buffer.byteLength(password) > MAX_PASSWORD_BYTES ? 'password_too_long' : undefined;
      if (unusable !== undefined) {
        await this.#verifier.verifyUnknown(password, slowestCost);
        return failed(unusable, user.name);
      }
      const ok = await this.#verifier.verify(user, password, slowestCost);
      return ok ? { kind: 'identity', identity: identityOf(user) } : failed('wrong_password', user.name);
    });
  }

  async resume(binding: Binding, account: string, context: SourceContext): Promise<SourceAnswer> {
    const user = context.snapshot.users.get(account);
    const pwd = binding.values.pwd;
    if (user === undefined || typeof pwd !== 'string' || !constantTimeEqual(pwd, passwordFingerprint(user))) return failed('refresh_token_revoked', account);
    return { kind: 'identity', identity: identityOf(user) };
  }

  async lookup(account: string, context: SourceContext): Promise<SourceAnswer> {
    const user = context.snapshot.users.get(account);
    return user === undefined ? NOT_MINE : { kind: 'identity', identity: identityOf(user) };
  }
}

function identityOf(user: UserRecord): Identity {
  return {
    account: user.name,
    labels: NO_LABELS,
    source: 'htpasswd',
    binding: { source: 'htpasswd', values: { pwd: passwordFingerprint(user) } },
  };
}

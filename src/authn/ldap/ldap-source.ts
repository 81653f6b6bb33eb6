import { createHmac, randomBytes } from 'node:crypto';
import { failed, NOT_MINE, type Binding, type Identity, type Presented, type SourceAnswer } from '../../auth.js';
import type { Clock } from '../../clock.js';
import type { IdentitySource, SourceContext } from '../identity-source.js';
import { Directory, DirectoryUnavailableError, type DirectoryUser } from './directory.js';

interface Remembered {
  readonly user: DirectoryUser;
  readonly expires: number;
}

export interface LdapSourceOptions {
  readonly cacheTtlSeconds: number;
  readonly cacheSize: number;
  readonly clock: Clock;
  /** Counts each failed directory operation; called with the error. */
  readonly onDirectoryError?: (error: Error) => void;
}

/**
 * Users of an LDAP directory or Active Directory: search, then bind. The service account finds
 * exactly one entry for the user name (none or several is a failed login), then purser binds as
 * that entry's DN with the password. The entry's groups become the `group` label.
 *
 * A verified user name and password, and an account looked up for a refresh token, are
 * remembered for PURSER_AUTH_CACHE_TTL, so a password or group change in the directory takes
 * effect within that time. When no directory answers, directory users get the failed-login 401,
 * the failure does not count against them, and everyone else carries on.
 */
export class LdapSource implements IdentitySource {
  readonly name = 'ldap';
  readonly #directory: Directory;
  readonly #options: LdapSourceOptions;
  readonly #secret = randomBytes(32);
  readonly #logins = new Map<string, Remembered>();
  readonly #accounts = new Map<string, Remembered>();

  constructor(directory: Directory, options: LdapSourceOptions) {
    this.#directory = directory;
    this.#options = options;
  }

  get directory(): Directory {
    return this.#directory;
  }

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    if (presented.kind !== 'password' || !plausibleName(presented.username)) return NOT_MINE;
    const { username } = presented;
    const password = presented.password.reveal();
    // Many servers take a bind with an empty password as an anonymous bind that "succeeds".
    if (password === '') return failed('empty_password', username);
    const key = createHmac('sha256', this.#secret).update(username).update('\0').update(password).digest('base64url');
    // Inside the guard, so that a locked client cannot test its guesses against the cache.
    return context.guard(username, async () => {
      const remembered = this.#recall(this.#logins, key);
      if (remembered !== undefined) return { kind: 'identity', identity: this.#identity(username, remembered) };
      try {
        const search = await this.#directory.findUser(username);
        if (search.found === undefined) return failed(search.why === 'none' ? 'unknown_user' : 'ambiguous_user', username);
        if (!(await this.#directory.verify(search.found.dn, password))) return failed('wrong_password', username);
        this.#remember(this.#logins, key, search.found);
        this.#remember(this.#accounts, username, search.found);
        return { kind: 'identity', identity: this.#identity(username, search.found) };
      } catch (err) {
        return this.#outage(err, username);
      }
    });
  }

  /** At each refresh the user is looked up again: still there, still matching the filter, groups re-read. */
  async resume(binding: Binding, account: string): Promise<SourceAnswer> {
    const answer = await this.lookup(account);
    if (answer.kind !== 'identity') return answer.kind === 'failed' ? answer : failed('refresh_token_revoked', account);
    return binding.values.dn === answer.identity.binding?.values.dn ? answer : failed('refresh_token_revoked', account);
  }

  async lookup(account: string): Promise<SourceAnswer> {
    if (!plausibleName(account)) return NOT_MINE;
    const remembered = this.#recall(this.#accounts, account);
    if (remembered !== undefined) return { kind: 'identity', identity: this.#identity(account, remembered) };
    try {
      const search = await this.#directory.findUser(account);
      if (search.found === undefined) return NOT_MINE;
      this.#remember(this.#accounts, account, search.found);
      return { kind: 'identity', identity: this.#identity(account, search.found) };
    } catch (err) {
      return this.#outage(err, account);
    }
  }

  #identity(account: string, user: DirectoryUser): Identity {
    return {
      account,
      labels: new Map(user.groups.length > 0 ? [['group', user.groups]] : []),
      source: this.name,
      binding: { source: this.name, values: { dn: user.dn } },
    };
  }

  #outage(err: unknown, account: string): SourceAnswer {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    this.#options.onDirectoryError?.(err);
    // Not the user's doing: the throttle does not count it.
    return failed('directory_unavailable', account, { throttle: 'void' });
  }

  #recall(cache: Map<string, Remembered>, key: string): DirectoryUser | undefined {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#options.clock.now()) {
      cache.delete(key);
      return undefined;
    }
    return entry.user;
  }

  #remember(cache: Map<string, Remembered>, key: string, user: DirectoryUser): void {
    const { cacheTtlSeconds, cacheSize, clock } = this.#options;
    if (cacheTtlSeconds <= 0 || cacheSize <= 0) return;
    cache.delete(key);
    cache.set(key, { user, expires: clock.now() + cacheTtlSeconds * 1000 });
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  }
}

/** Names with "/" (they would reach into other namespaces through `${account}/**`) or control characters are nobody's. */
function plausibleName(name: string): boolean {
  return name !== '' && name.length <= 256 && !/[/\p{Cc}]/u.test(name);
}

import type { ConfigIssue } from '../errors.js';

/** One user of `users.htpasswd`. */
export interface UserRecord {
  readonly name: string;
  /** The bcrypt hash as written. */
  readonly hash: string;
  readonly cost: number;
  readonly line: number;
}

export interface HtpasswdParse {
  readonly users: ReadonlyMap<string, UserRecord>;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Why a user name cannot hold "/": it separates the components of a repository name, and ACL rules
 * put the account into names (`name: "${account}/**"`), so user "alice/x" would be given part of
 * alice's namespace. (Scopes with "." or ".." components never parse, so only "/" needs refusing.)
 */
export const SLASH_IN_USER_NAME =
  'a user name cannot contain "/": ACL rules such as "${account}/**" would then reach into another namespace (user "alice/x" would get part of alice\'s)';

// `htpasswd -B` writes $2y$; $2a$ and $2b$ come from other bcrypt tools. All are the same algorithm.
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/**
 * Parses Apache htpasswd text (`user:hash` per line; blank lines and `#` comments ignored).
 * Only bcrypt is accepted: a line with any other hash format (MD5 `$apr1$`, `{SHA}`, crypt, plain
 * text) is an error naming its line and user, never a silently weaker login. A user listed twice is
 * an error too, since which line wins would be a guess, and so is a user name with "/".
 */
export function parseHtpasswd(text: string, file: string): HtpasswdParse {
  const users = new Map<string, UserRecord>();
  const issues: ConfigIssue[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const entry = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (entry.trim() === '' || entry.trimStart().startsWith('#')) return;
    const fail = (message: string, path = ''): void => {
      issues.push({ file, path, line, message });
    };
    const colon = entry.indexOf(':');
    if (colon < 0) return fail('expected user:hash');
    const name = entry.slice(0, colon);
    const hash = entry.slice(colon + 1).trim();
    if (name === '' || name !== name.trim() || /[\p{Cc}]/u.test(name)) {
      return fail('the user name is empty or has spaces or control characters');
    }
    if (name.includes('/')) return fail(`user ${JSON.stringify(name)}: ${SLASH_IN_USER_NAME}`, name);
    const bcrypt = BCRYPT.exec(hash);
    if (!bcrypt) {
      return fail(`user ${JSON.stringify(name)}: ${describeHash(hash)}; only bcrypt is accepted (htpasswd -B)`, name);
    }
    const cost = Number(bcrypt[1]);
    if (cost < 4 || cost > 31) return fail(`user ${JSON.stringify(name)} has bcrypt cost ${cost}; valid costs are 4 to 31`, name);
    const earlier = users.get(name);
    if (earlier) return fail(`user ${JSON.stringify(name)} is already defined on line ${earlier.line}`, name);
    users.set(name, { name, hash, cost, line });
  });
  return { users, issues };
}

/** `$2y$` is PHP's and Apache's name for the fixed bcrypt; Node's bcrypt only reads `$2b$`. */
export function toNodeBcrypt(hash: string): string {
  return hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
}

function describeHash(hash: string): string {
  if (hash.startsWith('$apr1$')) return 'MD5 ($apr1$) hash';
  if (hash.startsWith('{SHA}')) return 'SHA-1 ({SHA}) hash';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'SHA-crypt hash';
  if (hash.startsWith('$2')) return 'malformed bcrypt hash';
  if (hash === '') return 'missing hash';
  return 'hash in an unsupported format (crypt or plain text)';
}

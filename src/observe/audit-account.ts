import { createHash } from 'node:crypto';

const MAX_LENGTH = 128;

/**
 * The user name a client presented, as the audit log may record it. A name that cannot be an
 * account (too long, control characters or spaces, or shaped like a token: clients do send their
 * refresh token or API token as the user name) is recorded as a short hash, so the log never holds
 * a secret but the same mistake can still be followed from line to line.
 */
export function auditAccount(name: string): string {
  const plausible = name.length <= MAX_LENGTH && !/[\s\p{Cc}]/u.test(name) && !/^eyJ[A-Za-z0-9_-]{8,}/.test(name) && !/^purser_[0-9A-Za-z]{20,}/.test(name);
  return plausible ? name : `invalid:${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

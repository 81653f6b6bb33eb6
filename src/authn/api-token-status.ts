import type { ApiToken } from './api-token.js';

/** Within this many days of its expiry a token is "expiring": `api-token list` says so and `doctor` warns. */
export const EXPIRING_DAYS = 14;
const DAY = 86_400;

export type ExpiryStatus =
  | { readonly kind: 'never' }
  | { readonly kind: 'ok' | 'expiring'; readonly days: number }
  | { readonly kind: 'expired' };

/** Where a token stands at `now` (epoch seconds); `days` is the days left, rounded up ("in 1 day" for an hour). */
export function expiryStatus(token: Pick<ApiToken, 'expires'>, now: number): ExpiryStatus {
  if (token.expires === undefined) return { kind: 'never' };
  if (now >= token.expires) return { kind: 'expired' };
  const days = Math.ceil((token.expires - now) / DAY);
  return { kind: token.expires - now < EXPIRING_DAYS * DAY ? 'expiring' : 'ok', days };
}

/** The status column of `api-token list`: ok, expired, or expires in N day(s). */
export function describeExpiryStatus(status: ExpiryStatus): string {
  if (status.kind === 'expired') return 'expired';
  if (status.kind === 'expiring') return `expires in ${status.days} day(s)`;
  return 'ok';
}

import { RFC3339 } from './api-tokens-file.js';
import { parseDuration } from './duration.js';

export type ExpiryOption = { readonly ok: true; readonly expires: number | undefined } | { readonly ok: false; readonly message: string };

const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
/** The last second an RFC 3339 time (four-digit year) can name. */
const LAST = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

/**
 * `api-token create --expires`: a duration from `now` (90d, 12h, 30m, 45s; a bare number is refused,
 * since "90" more likely means days than seconds), a date (midnight UTC), an RFC 3339 time, or
 * `never`. Epoch seconds, undefined for never. The day must exist: Date.parse would quietly make
 * 2027-02-30 the 2nd of March.
 */
export function parseExpiryOption(text: string, now: number): ExpiryOption {
  if (text === 'never') return { ok: true, expires: undefined };
  let expires: number | undefined;
  if (/^[0-9]+[smhd]$/.test(text)) {
    const seconds = parseDuration(text);
    if (seconds !== undefined) expires = seconds === 0 ? now : now + seconds;
  } else if (DATE.test(text) || RFC3339.test(text)) {
    if (realDay(text)) {
      const ms = Date.parse(DATE.test(text) ? `${text}T00:00:00Z` : text);
      if (!Number.isNaN(ms)) expires = Math.floor(ms / 1000);
    }
  }
  if (expires === undefined || expires > LAST) {
    return { ok: false, message: `${JSON.stringify(text)} is not an expiry: give a duration (90d, 12h), a date (2027-03-01, midnight UTC), an RFC 3339 time (2027-03-01T12:00:00Z) or never` };
  }
  if (expires <= now) return { ok: false, message: `${JSON.stringify(text)} is not in the future` };
  return { ok: true, expires };
}

function realDay(text: string): boolean {
  const [, y, m, d] = /^(\d{4})-(\d\d)-(\d\d)/.exec(text) ?? [];
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** An expiry or creation time as the tokens file writes it: RFC 3339 in UTC, to the second. */
export function formatTokenTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

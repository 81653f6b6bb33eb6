import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeExpiryStatus, expiryStatus } from '../../../src/authn/api-token-status.js';
import { formatTokenTime, parseExpiryOption } from '../../../src/config/api-token-expiry.js';

const NOW = Date.UTC(2026, 11, 1, 21, 30) / 1000;
const DAY = 86_400;

describe('api-token create --expires', () => {
  const valid: Array<[string, number | undefined]> = [
    ['90d', NOW + 90 * DAY],
    ['12h', NOW + 12 * 3600],
    ['30m', NOW + 1800],
    ['45s', NOW + 45],
    ['2027-03-01', Date.UTC(2027, 2, 1) / 1000],
    ['2028-02-29', Date.UTC(2028, 1, 29) / 1000],
    ['2027-03-01T12:00:00Z', Date.UTC(2027, 2, 1, 12) / 1000],
    ['2027-03-01T12:00:00.9+01:00', Date.UTC(2027, 2, 1, 11) / 1000],
    ['never', undefined],
  ];
  for (const [text, expires] of valid) {
    test(`${text} → ${expires === undefined ? 'never' : formatTokenTime(expires)}`, () => {
      assert.deepEqual(parseExpiryOption(text, NOW), { ok: true, expires });
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['90', /is not an expiry/],
    ['90 d', /is not an expiry/],
    ['3w', /is not an expiry/],
    ['2027-02-30', /is not an expiry/],
    ['2027-02-29', /is not an expiry/],
    ['2027-13-01', /is not an expiry/],
    ['2027-03-01T25:00:00Z', /is not an expiry/],
    ['2027-03-01T12:00:00', /is not an expiry/],
    ['Never', /is not an expiry/],
    ['', /is not an expiry/],
    ['999999999d', /is not an expiry/],
    ['0d', /is not in the future/],
    ['2026-12-01', /is not in the future/],
    ['2026-12-01T21:30:00Z', /is not in the future/],
  ];
  for (const [text, message] of invalid) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      const parsed = parseExpiryOption(text, NOW);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.message, message);
    });
  }

  test('times are written in UTC to the second, as the tokens file parser reads them', () => {
    assert.equal(formatTokenTime(NOW), '2026-12-01T21:30:00Z');
  });
});

describe("a token's expiry status", () => {
  const cases: Array<[string, number | undefined, string, string]> = [
    ['no expiry', undefined, 'never', 'ok'],
    ['15 days left', NOW + 15 * DAY, 'ok', 'ok'],
    ['exactly 14 days left', NOW + 14 * DAY, 'ok', 'ok'],
    ['a second under 14 days', NOW + 14 * DAY - 1, 'expiring', 'expires in 14 day(s)'],
    ['an hour left', NOW + 3600, 'expiring', 'expires in 1 day(s)'],
    ['the second it expires', NOW, 'expired', 'expired'],
    ['long gone', NOW - 30 * DAY, 'expired', 'expired'],
  ];
  for (const [what, expires, kind, words] of cases) {
    test(`${what}: ${words}`, () => {
      const status = expiryStatus({ expires }, NOW);
      assert.equal(status.kind, kind);
      assert.equal(describeExpiryStatus(status), words);
    });
  }
});

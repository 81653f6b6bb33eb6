import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SECRET_PREFIX = 'purser_';
/** 32 random bytes (256 bits) in base62, always this many digits. */
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const SHAPE = new RegExp(`^${SECRET_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

/**
 * An API token's secret: `purser_`, 32 random bytes in base62 and a CRC32 checksum of them in six
 * more base62 digits (the shape GitHub's tokens have). Secret scanners can recognise the prefix,
 * and purser rejects a mistyped token by its checksum without looking anything up.
 */
export function generateSecret(): string {
  const body = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), BODY_LENGTH);
  return `${SECRET_PREFIX}${body}${checksum(body)}`;
}

/** True for text shaped like a purser API token (prefix, length, alphabet), whatever its checksum. */
export function looksLikeApiToken(text: string): boolean {
  return SHAPE.test(text);
}

/** True when the checksum matches: the token was not mistyped or cut short. */
export function checksumValid(secret: string): boolean {
  if (!looksLikeApiToken(secret)) return false;
  const body = secret.slice(SECRET_PREFIX.length, SECRET_PREFIX.length + BODY_LENGTH);
  return secret.slice(SECRET_PREFIX.length + BODY_LENGTH) === checksum(body);
}

/** What the tokens file stores: `sha256:` and the hex SHA-256 of the secret. */
export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex')}`;
}

function checksum(body: string): string {
  return base62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

function base62(value: bigint, digits: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < digits; i++) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

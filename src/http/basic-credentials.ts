import { Secret, type PasswordCredentials } from '../auth.js';
import { InvalidRequestError } from '../errors.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Schemes a client may send by mistake; naming one helps, echoing anything else could echo a secret. */
const KNOWN_SCHEMES = ['bearer', 'digest', 'negotiate', 'ntlm', 'token', 'aws4-hmac-sha256'];

/**
 * Reads HTTP Basic credentials (RFC 7617). No header means an anonymous request. A header that is
 * there but unusable (another scheme, bad base64, no colon, empty) is a 400 that says so: silently
 * treating it as anonymous would hide a client misconfiguration behind a puzzling denial. No
 * message repeats any part of the header: a mangled header is still somebody's password.
 */
export function parseBasicCredentials(header: string | undefined): PasswordCredentials | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const space = value.search(/\s/);
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  if (scheme !== 'basic') {
    const known = KNOWN_SCHEMES.includes(scheme) ? `, not ${scheme[0]?.toUpperCase()}${scheme.slice(1)}` : '';
    throw new InvalidRequestError(value === '' ? 'the Authorization header is empty' : `the Authorization header must use the Basic scheme${known}`);
  }
  const encoded = space < 0 ? '' : value.slice(space + 1).trim();
  if (encoded === '' || !BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw new InvalidRequestError('the Basic credentials are not valid base64');
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw new InvalidRequestError('the Basic credentials are not valid UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidRequestError('the Basic credentials must be user:password (no colon found)');
  const username = decoded.slice(0, colon);
  if (username === '') throw new InvalidRequestError('the Basic credentials have an empty user name');
  if (/[\0-\x1f\x7f]/.test(username)) throw new InvalidRequestError('the user name contains a control character');
  const password = decoded.slice(colon + 1);
  if (password.includes('\0')) throw new InvalidRequestError('the password contains a NUL byte');
  return { username, password: new Secret(password) };
}

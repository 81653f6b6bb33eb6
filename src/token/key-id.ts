import { createHash, type JsonWebKey, type KeyObject } from 'node:crypto';

/** Which key ID tokens carry: libtrust's (registry 2.x) or the RFC 7638 thumbprint (registry 3). */
export type KidFormat = 'libtrust' | 'thumbprint';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The libtrust key ID that registry 2.x computes for every certificate in its `rootcertbundle`
 * (distribution docs/spec/auth/jwt.md): SHA-256 over the DER SubjectPublicKeyInfo, truncated to
 * 240 bits, base32 without padding, in 12 groups of 4 joined by ':'.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(spki).digest().subarray(0, 30);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.match(/.{4}/g) ?? []).join(':');
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url): the hash of the key's required members, in
 * lexicographic order, serialised without whitespace (section 3.2).
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  let canonical: string;
  if (jwk.kty === 'RSA') canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  else if (jwk.kty === 'EC') canonical = JSON.stringify({ crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y });
  else throw new Error(`no RFC 7638 thumbprint for key type ${String(jwk.kty)}`);
  return createHash('sha256').update(canonical).digest('base64url');
}

export function keyId(publicKey: KeyObject, format: KidFormat): string {
  return format === 'libtrust' ? libtrustKeyId(publicKey) : jwkThumbprint(publicKey.export({ format: 'jwk' }));
}

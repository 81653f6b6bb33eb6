import type { JsonWebKey } from 'node:crypto';
import { keyId, type KidFormat } from './key-id.js';
import type { SigningMaterial } from './signing-key.js';

export interface Jwks {
  readonly keys: readonly JsonWebKey[];
}

/**
 * One public JWK per certificate of the bundle, each with the `kid` that purser's tokens carry under
 * `format`, so the same document serves as registry 3's `auth.token.jwks` file.
 */
export function buildJwks(material: SigningMaterial, format: KidFormat): Jwks {
  return {
    keys: material.certificates.map((certificate) => {
      const jwk = certificate.publicKey.export({ format: 'jwk' });
      const alg = jwk.kty === 'EC' ? 'ES256' : 'RS256';
      return { ...jwk, kid: keyId(certificate.publicKey, format), alg, use: 'sig' };
    }),
  };
}

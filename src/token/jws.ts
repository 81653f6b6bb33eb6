import { sign, type KeyObject } from 'node:crypto';
import type { SigningAlg } from './signing-key.js';

/** Signs claims into a compact JWS with a fixed header. */
export type JwsSigner = (claims: object) => Promise<string>;

/**
 * Builds a signer whose header is encoded once. Signing runs on libuv's thread pool (the callback
 * form of crypto.sign), so the event loop stays free and every core can sign.
 * ES256 signatures are the raw r||s pair JOSE requires (RFC 7518 section 3.4), not DER.
 */
export function createJwsSigner(alg: SigningAlg, privateKey: KeyObject, header: Readonly<Record<string, unknown>>): JwsSigner {
  const encodedHeader = Buffer.from(JSON.stringify({ ...header, alg })).toString('base64url');
  const key = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  return (claims) => {
    const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return new Promise((resolve, reject) => {
      sign('sha256', Buffer.from(signingInput), key, (err, signature) => {
        if (err) reject(err);
        else resolve(`${signingInput}.${signature.toString('base64url')}`);
      });
    });
  };
}

import { generateKeyPairSync } from 'node:crypto';
import { hostname } from 'node:os';
import type { SigningAlg } from '../token/signing-key.js';
import { buildCertificate } from './x509-builder.js';

export interface KeyAndCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

/**
 * A new token signing key and its self-signed certificate, ready for the registry's
 * `rootcertbundle`. The certificate only vouches for the key: its names are not checked by the
 * registry, so the common name is informative.
 */
export function generateSigningCertificate(alg: SigningAlg = 'RS256', days = 3650, commonName = `purser token signer (${hostname()})`): KeyAndCertificate {
  const { privateKey, publicKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certPem = buildCertificate({
    subject: { commonName, organization: 'purser' },
    publicKey,
    signingKey: privateKey,
    days,
    keyUsage: ['digitalSignature'],
  });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certPem };
}

import { generateSigningCertificate, type KeyAndCertificate } from '../../src/certs/signing-certificate.js';
import type { SigningAlg } from '../../src/token/signing-key.js';

const made = new Map<SigningAlg, KeyAndCertificate>();

/** A signing key and certificate made once per test process; keys are never committed. */
export function signingPair(alg: SigningAlg = 'RS256'): KeyAndCertificate {
  let pair = made.get(alg);
  if (pair === undefined) {
    pair = generateSigningCertificate(alg, 30, `test ${alg}`);
    made.set(alg, pair);
  }
  return pair;
}

/** A fresh pair, for tests that need a key nobody else trusts. */
export function freshPair(alg: SigningAlg = 'RS256'): KeyAndCertificate {
  return generateSigningCertificate(alg, 30, `fresh ${alg}`);
}

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { pemCertificates } from './certificate-bundle.js';

export type SigningAlg = 'RS256' | 'ES256';

/** The token signing key with its certificate, plus earlier certificates kept for a rotation. */
export interface SigningMaterial {
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  /** The certificate bundle: [0] belongs to `privateKey`; the rest are earlier keys still trusted. */
  readonly certificates: readonly X509Certificate[];
}

/**
 * Reads the signing key and certificate bundle and checks that they belong together.
 * RSA keys (2048 bits or more) sign RS256; EC P-256 keys sign ES256. Anything else is refused
 * with a message that names the file, because a registry would reject the tokens anyway.
 */
export function parseSigningMaterial(keyPem: string, certPem: string, files: { key: string; cert: string }): SigningMaterial {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem);
    throw ConfigError.single(
      files.key,
      encrypted
        ? 'the private key is encrypted; purser needs an unencrypted PEM key (keep the file mode 0600)'
        : `cannot read a PEM private key: ${(err as Error).message}`,
    );
  }
  const alg = algorithmFor(privateKey, files.key);

  const blocks = pemCertificates(certPem);
  if (blocks.length === 0) throw ConfigError.single(files.cert, 'no PEM certificate found');
  const certificates = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw ConfigError.single(files.cert, `certificate ${i + 1} cannot be read: ${(err as Error).message}`);
    }
  });
  const current = certificates[0] as X509Certificate;
  if (!current.checkPrivateKey(privateKey)) {
    throw ConfigError.single(
      files.cert,
      `the first certificate does not belong to the private key in ${files.key}; ` +
        'they must be made together (purser certs init), or the new certificate must come first in the bundle',
    );
  }
  return { alg, privateKey, certificates };
}

export function algorithmFor(key: KeyObject, file: string): SigningAlg {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw ConfigError.single(file, 'RSA keys must have at least 2048 bits');
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  throw ConfigError.single(
    file,
    `unsupported key type ${key.asymmetricKeyType}${details.namedCurve ? ` (${details.namedCurve})` : ''}; use RSA (RS256) or EC P-256 (ES256)`,
  );
}

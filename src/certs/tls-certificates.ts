import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import type { KeyAndCertificate } from './signing-certificate.js';
import { buildCertificate } from './x509-builder.js';

/**
 * A private certificate authority for the registry's and purser's TLS certificates: a CA
 * certificate (basicConstraints CA:TRUE, pathlen 0; keyUsage keyCertSign and cRLSign) for clients
 * to trust, and its key, which signs server certificates.
 */
export function generateCa(days = 3650, commonName = `purser private CA (${hostname()})`): KeyAndCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certPem = buildCertificate({
    subject: { commonName, organization: 'purser' },
    publicKey,
    signingKey: privateKey,
    days,
    ca: { pathLength: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certPem };
}

/**
 * A TLS server certificate signed by `ca`, with every host name and IP address in subjectAltName
 * (Go and current browsers ignore the common name; an address missing from the SANs is Go's
 * "doesn't contain any IP SANs"), keyUsage digitalSignature and keyEncipherment, and
 * extendedKeyUsage serverAuth.
 */
export function issueServerCertificate(
  ca: KeyAndCertificate,
  names: { readonly hosts: readonly string[]; readonly ips: readonly string[] },
  days = 397,
): KeyAndCertificate {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  if (!caCert.checkPrivateKey(caKey)) throw new Error('the CA key does not belong to the CA certificate');
  if (!caCert.ca) throw new Error('the CA certificate is not a CA (basicConstraints CA:FALSE)');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certPem = buildCertificate({
    subject: { commonName: names.hosts[0] ?? names.ips[0] ?? 'localhost', organization: 'purser' },
    publicKey,
    issuer: caCert,
    signingKey: caKey,
    days,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: ['serverAuth'],
    dnsNames: names.hosts,
    ipAddresses: names.ips,
  });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certPem };
}

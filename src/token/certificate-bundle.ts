import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM blocks of every certificate in a bundle, in order (anything between them is ignored). */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** Every certificate of a PEM bundle, parsed; throws on one that cannot be read. */
export function parseCertificateBundle(text: string): X509Certificate[] {
  return pemCertificates(text).map((pem) => new X509Certificate(pem));
}

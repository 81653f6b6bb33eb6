import { X509Certificate } from 'node:crypto';
import { readText } from '../config/source-files.js';
import { pemCertificates } from '../token/certificate-bundle.js';
import { ok, type Finding } from './finding.js';

const SOON_DAYS = 30;

/** A certificate that has expired, or soon will, named with what breaks when it does. */
export function checkExpiry(label: string, certificate: X509Certificate, now: number, fix: string, breaks: string): Finding {
  const expires = new Date(certificate.validTo).getTime();
  const days = Math.floor((expires - now) / 86_400_000);
  const when = new Date(expires).toISOString();
  if (expires <= now) return { level: 'error', what: `${label} expired on ${when}`, says: breaks, fix };
  if (days < SOON_DAYS) return { level: 'warn', what: `${label} expires in ${days} day(s), on ${when}`, says: breaks, fix };
  return ok(`${label} is valid until ${when}`);
}

/** A server certificate's names cover `host` (a name or an IP). */
export async function checkTlsFile(label: string, file: string, host: string | undefined, now: number, hostFix: string): Promise<Finding[]> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pemCertificates(await readText(file))[0] ?? '');
  } catch (err) {
    return [{ level: 'error', what: `cannot read ${label} ${file}: ${(err as Error).message}` }];
  }
  const findings = [checkExpiry(`${label} ${file}`, certificate, now, hostFix, 'clients: x509: certificate has expired or is not yet valid')];
  if (host !== undefined) {
    const covered = /^[0-9.]+$|:/.test(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined;
    if (covered) findings.push(ok(`${label} names ${host}`));
    else
      findings.push({
        level: 'error',
        what: `${label} ${file} does not name ${host} (it names ${certificate.subjectAltName ?? 'nothing in subjectAltName'})`,
        says: /^[0-9.]+$|:/.test(host) ? `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs` : `x509: certificate is valid for …, not ${host}`,
        fix: hostFix,
      });
  }
  return findings;
}

import { X509Certificate } from 'node:crypto';
import type { RegistryConfig } from '../cli/registry-config-file.js';
import type { Snapshot } from '../config/snapshot.js';
import { readText } from '../config/source-files.js';
import { parseCertificateBundle } from '../token/certificate-bundle.js';
import { keyId, libtrustKeyId } from '../token/key-id.js';
import { ok, type Finding } from './finding.js';

/** The registry trusts purser's current signing key, by rootcertbundle and/or JWKS, in the kid mode purser uses. */
export async function checkTrust(registry: RegistryConfig, snapshot: Snapshot): Promise<Finding[]> {
  const { settings, signing } = snapshot;
  const current = signing.certificates[0] as X509Certificate;
  const kid = snapshot.kid;
  const findings: Finding[] = [];
  const copyFix = (path: string) => `copy ${settings.signingCertFile} to ${path} (the registry reads it at start: restart it)`;

  let bundleHasKey = false;
  if (registry.rootcertbundle !== undefined) {
    let certificates: X509Certificate[] = [];
    try {
      certificates = parseCertificateBundle(await readText(registry.rootcertbundle));
    } catch (err) {
      findings.push({ level: 'error', what: `cannot read rootcertbundle ${registry.rootcertbundle}: ${(err as Error).message}`, fix: copyFix(registry.rootcertbundle) });
    }
    bundleHasKey = certificates.some((cert) => cert.publicKey.equals(current.publicKey));
    if (bundleHasKey) findings.push(ok(`rootcertbundle ${registry.rootcertbundle} trusts purser's signing key ${libtrustKeyId(current.publicKey)}`));
    else if (certificates.length > 0 || findings.length === 0)
      findings.push({
        level: 'error',
        what: `rootcertbundle ${registry.rootcertbundle} does not hold purser's signing certificate (it holds ${certificates.map((c) => libtrustKeyId(c.publicKey)).join(', ') || 'no certificates'})`,
        says: `token signed by untrusted key with ID: "${kid}"`,
        fix: copyFix(registry.rootcertbundle),
      });
    if (bundleHasKey && settings.kidFormat === 'thumbprint' && signing.alg === 'ES256' && registry.jwks === undefined) {
      findings.push({
        level: 'warn',
        what: 'an ES256 key in thumbprint mode, trusted only through rootcertbundle',
        says: `registry 3: token signed by untrusted key with ID: "${kid}" (it computes EC thumbprints from the curve's base point, not the key)`,
        fix: 'give registry 3 a JWKS file too (purser jwks --out FILE; auth.token.jwks), or use PURSER_KID_FORMAT=libtrust',
      });
    }
  }
  if (registry.jwks !== undefined) {
    try {
      const jwks = JSON.parse(await readText(registry.jwks)) as { keys?: Array<{ kid?: string }> };
      const ids = (jwks.keys ?? []).map((k) => k.kid);
      if (ids.includes(kid)) findings.push(ok(`JWKS ${registry.jwks} has purser's key ID ${kid}`));
      else
        findings.push({
          level: 'error',
          what: `JWKS ${registry.jwks} has no key with purser's key ID ${kid} (it has ${ids.map((i) => JSON.stringify(i)).join(', ') || 'none'})`,
          says: `token signed by untrusted key with ID: "${kid}"`,
          fix: `purser jwks --out ${registry.jwks}${settings.kidFormat === 'libtrust' ? ' (after setting PURSER_KID_FORMAT=thumbprint: registry 3 looks key IDs up as thumbprints)' : ''}`,
        });
    } catch (err) {
      findings.push({ level: 'error', what: `cannot read the JWKS file ${registry.jwks}: ${(err as Error).message}`, fix: `purser jwks --out ${registry.jwks}` });
    }
    if (settings.kidFormat === 'libtrust' && registry.rootcertbundle === undefined) {
      findings.push({
        level: 'error',
        what: 'the registry has only a JWKS file, but purser sends the certificate in x5c (PURSER_KID_FORMAT=libtrust)',
        says: 'x509: certificate signed by unknown authority',
        fix: 'set PURSER_KID_FORMAT=thumbprint and rewrite the JWKS file (purser jwks --out FILE)',
      });
    }
  }
  if (registry.rootcertbundle === undefined && registry.jwks === undefined && registry.hasTokenAuth) {
    findings.push({
      level: 'error',
      what: 'the registry has neither auth.token.rootcertbundle nor auth.token.jwks',
      says: 'token auth requires at least one token signing key',
      fix: `set auth.token.rootcertbundle to a copy of ${settings.signingCertFile}`,
    });
  }
  if (settings.kidFormat === 'thumbprint' && registry.rootcertbundle !== undefined && registry.jwks === undefined) {
    findings.push({
      level: 'warn',
      what: `PURSER_KID_FORMAT=thumbprint: tokens carry key ID ${keyId(current.publicKey, 'thumbprint')} and no x5c, which only registry 3 understands`,
      says: 'registry 2.x: token signed by untrusted key with ID',
      fix: 'keep thumbprint mode for registry 3 only; use PURSER_KID_FORMAT=libtrust with registry 2.x',
    });
  }
  return findings;
}

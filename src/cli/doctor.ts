import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { epochSeconds, systemClock } from '../clock.js';
import { buildSnapshot, type Snapshot } from '../config/snapshot.js';
import { readSources, readText } from '../config/source-files.js';
import { checkApiTokens } from '../doctor/check-api-tokens.js';
import { checkLdap } from '../doctor/check-ldap.js';
import { checkExpiry, checkTlsFile } from '../doctor/check-expiry.js';
import { checkRealm } from '../doctor/check-realm.js';
import { checkTokenSettings } from '../doctor/check-settings.js';
import { checkTrust } from '../doctor/check-trust.js';
import { ok, type Finding } from '../doctor/finding.js';
import { ConfigError, formatIssue } from '../errors.js';
import { parseCertificateBundle } from '../token/certificate-bundle.js';
import { line, stringOption, type Command, type CommandIO } from './command.js';
import { settingsFor } from './acl-source.js';
import { readRegistryConfig } from './registry-config-file.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check the registry's config.yml against purser and say how to fix what is wrong",
  help: `Usage: purser doctor [--registry-config PATH] [--ca FILE] [--ldap-user NAME]

Reads the registry's config.yml (default /etc/docker/registry/config.yml; REGISTRY_AUTH_TOKEN_* variables
override it, as they do for the registry) and checks it against purser's settings and files:

  - purser's own acl.yml, users.htpasswd and signing key load
  - auth.token.issuer and auth.token.service match PURSER_ISSUER and PURSER_SERVICE
  - the rootcertbundle (and JWKS file) trust purser's current signing key, in the key ID mode purser uses
  - the signing certificate and TLS certificates have not expired and are not about to
  - the realm is reachable, its TLS certificate names its host, and a token it issues would be accepted
  - API tokens (PURSER_API_TOKENS): warns about tokens that have expired or expire within 14 days, tokens
    that never expire, and personal tokens whose user is no longer in users.htpasswd
  - the LDAP directory (PURSER_LDAP_URL): reachable, TLS verified, the service account binds; with
    --ldap-user NAME, that the user is found once and the groups purser would see

Each problem comes with what the registry or client would log, and the fix. Paths in config.yml are read
as the registry sees them: run doctor where they exist.

  --ca FILE          also trust this CA when checking the realm's TLS (e.g. certs/ca/ca.crt)
  --ldap-user NAME   look this directory user up and list its groups

Exit status: 0 when nothing is wrong (warnings allowed), 1 when something is.
`,
  options: { 'registry-config': { type: 'string' }, ca: { type: 'string' }, 'ldap-user': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const settings = settingsFor(io);
    const registryFile = stringOption(args, 'registry-config') ?? '/etc/docker/registry/config.yml';
    const ca = stringOption(args, 'ca');
    const now = systemClock.now();
    const findings: Finding[] = [];

    let snapshot: Snapshot | undefined;
    try {
      // A report, not a swap: no need to wait for files to settle (a half-written one is reported).
      snapshot = buildSnapshot(settings, await readSources(settings, { settleMs: 0 }));
      findings.push(ok(`purser's configuration loads: ${snapshot.acl.rules.length} ACL rule(s), ${snapshot.users.size} user(s), ${snapshot.apiTokens.entries.length} API token(s), key ${snapshot.kid}`));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) findings.push({ level: 'error', what: `purser cannot load its configuration: ${formatIssue(issue)}`, fix: 'correct the file; purser check commands: purser acl check, purser user list' });
    }
    let registry;
    try {
      registry = await readRegistryConfig(registryFile, io);
    } catch (err) {
      findings.push({
        level: 'error',
        what: `cannot read the registry's configuration ${resolve(io.cwd, registryFile)}: ${err instanceof ConfigError ? err.issues.map(formatIssue).join('; ') : (err as Error).message}`,
        fix: 'pass its path with --registry-config',
      });
    }
    if (registry !== undefined) {
      findings.push(...checkTokenSettings(registry, settings));
      if (snapshot !== undefined) {
        findings.push(...(await checkTrust(registry, snapshot)));
        const trust = { issuer: registry.issuer ?? '', services: registry.service === undefined ? [] : [registry.service], certificates: await registryCertificates(registry.rootcertbundle, snapshot) };
        findings.push(...(await checkRealm(registry, trust, epochSeconds(systemClock), ca === undefined ? undefined : resolve(io.cwd, ca))));
      }
      if (registry.tlsCertificate !== undefined) {
        const host = registry.host === undefined ? undefined : new URL(registry.host.includes('://') ? registry.host : `https://${registry.host}`).hostname.replace(/^\[|\]$/g, '');
        findings.push(...(await checkTlsFile("the registry's TLS certificate", registry.tlsCertificate, host, now, `purser certs tls --host ${host ?? 'NAME'} and point http.tls at the new files`)));
      }
    }
    if (snapshot !== undefined) {
      findings.push(
        checkExpiry(
          `purser's signing certificate ${settings.signingCertFile}`,
          snapshot.signing.certificates[0] as X509Certificate,
          now,
          'purser certs rotate (then --promote once the registry has the new bundle)',
          'registries reject every token: x509: certificate has expired or is not yet valid',
        ),
      );
    }
    if (settings.ldap !== undefined) findings.push(...(await checkLdap(settings.ldap, stringOption(args, 'ldap-user'))));
    if (snapshot !== undefined) findings.push(...checkApiTokens(snapshot.apiTokens, snapshot.users, Math.floor(now / 1000)));
    if (settings.tlsCertFile !== undefined) {
      findings.push(...(await checkTlsFile("purser's TLS certificate", settings.tlsCertFile, undefined, now, 'purser certs tls --host … and set PURSER_TLS_CERT/PURSER_TLS_KEY to the new files')));
    }
    return report(findings, io);
  },
};

async function registryCertificates(bundle: string | undefined, snapshot: Snapshot): Promise<X509Certificate[]> {
  if (bundle === undefined) return [...snapshot.signing.certificates];
  try {
    return parseCertificateBundle(await readText(bundle));
  } catch {
    return [];
  }
}

function report(findings: readonly Finding[], io: CommandIO): number {
  const label = { ok: 'ok   ', warn: 'WARN ', error: 'ERROR' } as const;
  for (const finding of findings) {
    line(io.stdout, `${label[finding.level]}  ${finding.what}`);
    if (finding.says !== undefined) line(io.stdout, `       logged as: ${finding.says}`);
    if (finding.fix !== undefined) line(io.stdout, `       fix: ${finding.fix.replace(/\n/g, '\n            ')}`);
  }
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.filter((f) => f.level === 'warn').length;
  line(io.stdout);
  line(io.stdout, errors === 0 ? `no problems found${warnings > 0 ? ` (${warnings} warning(s))` : ''}` : `${errors} problem(s) found`);
  return errors === 0 ? 0 : 1;
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { X509Certificate } from 'node:crypto';
import { epochSeconds, systemClock } from '../clock.js';
import { readText } from '../config/source-files.js';
import { ConfigError } from '../errors.js';
import { parseCertificateBundle } from '../token/certificate-bundle.js';
import { inspectToken, type RegistryTrust, type SignatureCheck } from '../token/inspect-token.js';
import { line, stringOption, UsageError, type Command, type CommandIO, type Parsed } from './command.js';
import { settingsFor } from './acl-source.js';
import { readRegistryConfig } from './registry-config-file.js';

/** The claims are what the registry expects, but with no certificate at hand the signature was not checked. */
const SIGNATURE_NOT_CHECKED = 3;

export const tokenDecodeCommand: Command = {
  name: 'token decode',
  summary: 'show a token and say in words what a registry would say about it',
  help: `Usage: purser token decode TOKEN [--cert FILE] [--registry-config PATH]

Prints the token's header and claims, checks its signature, and says what a registry would say about it
(wrong issuer, wrong audience, expired, untrusted key ID, bad signature), with the fix. TOKEN may be "-"
to read it from stdin. No private key is needed, so it runs on any machine.

The signature is checked against the certificates in --cert FILE or, without it, in PURSER_SIGNING_CERT
(default certs/token.crt) if that file exists. With neither, the header and claims are still checked and
the output says "signature not checked".

By default the registry is assumed to trust what purser is configured with (PURSER_ISSUER, PURSER_SERVICE,
PURSER_SIGNING_CERT). With --registry-config, the registry's own config.yml is read instead (its
rootcertbundle, unless --cert is given).

  --cert FILE   the certificate bundle (PEM) to check the signature against

Exit status: 0 when a registry would accept the token; 1 when it would not; 3 when nothing but the
signature is in doubt: the claims are acceptable, but there was no certificate to check the signature
against, so acceptance is not claimed.
`,
  options: { cert: { type: 'string' }, 'registry-config': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const raw = args.positionals[0] === '-' ? await readStdin(io) : (args.positionals[0] ?? '');
    if (raw.trim() === '') throw new UsageError('no token given');
    const { trust, certificateSource } = await trustFor(args, io);
    const result = inspectToken(raw, trust, epochSeconds(systemClock));
    line(io.stdout, 'header:');
    line(io.stdout, indent(JSON.stringify(result.header ?? null, (key, value: unknown) => (key === 'x5c' && Array.isArray(value) ? value.map((c) => `${String(c).slice(0, 24)}…`) : value), 2)));
    line(io.stdout, 'claims:');
    line(io.stdout, indent(JSON.stringify(result.claims ?? null, null, 2)));
    const exp = result.claims?.exp;
    if (typeof exp === 'number') line(io.stdout, `expires: ${new Date(exp * 1000).toISOString()}`);
    if (result.kind !== 'malformed') line(io.stdout, signatureLine(result.signature, certificateSource));
    line(io.stdout);
    const trusted = `issuer ${JSON.stringify(trust.issuer)}, service ${trust.services.map((s) => JSON.stringify(s)).join('/')}`;
    if (result.problems.length === 0 && result.signature === 'verified') {
      line(io.stdout, `a registry trusting ${trusted} and ${trust.certificates?.length ?? 0} certificate(s) would ACCEPT this token`);
      return 0;
    }
    if (result.problems.length === 0) {
      line(io.stdout, `the claims are what a registry trusting ${trusted} expects; whether it accepts the token depends on the signature, which was not checked`);
      return SIGNATURE_NOT_CHECKED;
    }
    line(io.stdout, `a registry would REJECT this ${result.kind === 'refresh' ? 'refresh token' : 'token'}:`);
    for (const problem of result.problems) {
      line(io.stdout, `  - it logs: ${problem.registrySays}`);
      line(io.stdout, `    fix: ${problem.fix}`);
    }
    return 1;
  },
};

function signatureLine(signature: SignatureCheck, source: string): string {
  switch (signature) {
    case 'verified':
      return `signature: verified with a certificate from ${source}`;
    case 'bad':
      return `signature: BAD; it does not verify with the certificate from ${source} that the token names`;
    case 'untrusted-key':
      return `signature: not verified; the token was not signed by a key from ${source}`;
    case 'not-checked':
      return `signature not checked: ${source}`;
  }
}

/**
 * What the registry trusts, and where its certificates come from (or, when there are none, why). The
 * private key is never read: a token is checked on machines that hold only the certificate, or nothing.
 */
async function trustFor(args: Parsed, io: CommandIO): Promise<{ trust: RegistryTrust; certificateSource: string }> {
  const certFile = stringOption(args, 'cert');
  const registryConfig = stringOption(args, 'registry-config');
  if (registryConfig === undefined) {
    const settings = settingsFor(io);
    const file = certFile === undefined ? settings.signingCertFile : resolve(io.cwd, certFile);
    const parties = { issuer: settings.issuer, services: settings.services };
    if (certFile === undefined && !existsSync(file)) {
      return { trust: { ...parties, certificates: undefined }, certificateSource: `no certificate (PURSER_SIGNING_CERT ${file} does not exist); give one with --cert FILE` };
    }
    return { trust: { ...parties, certificates: await readBundle(file) }, certificateSource: file };
  }
  const config = await readRegistryConfig(registryConfig, io);
  const parties = { issuer: config.issuer ?? '', services: config.service === undefined ? [] : [config.service] };
  if (certFile !== undefined) {
    const file = resolve(io.cwd, certFile);
    return { trust: { ...parties, certificates: await readBundle(file) }, certificateSource: file };
  }
  const bundle = config.rootcertbundle === undefined ? '' : await readFile(config.rootcertbundle, 'utf8');
  return { trust: { ...parties, certificates: parseCertificateBundle(bundle) }, certificateSource: config.rootcertbundle ?? `${config.file} (it names no rootcertbundle)` };
}

/** A certificate bundle given to check with: one without certificates is a mistake, not "trust nothing". */
async function readBundle(file: string): Promise<X509Certificate[]> {
  const certificates = parseCertificateBundle(await readText(file));
  if (certificates.length === 0) throw ConfigError.single(file, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  return certificates;
}

async function readStdin(io: CommandIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

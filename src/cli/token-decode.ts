import { readFile } from 'node:fs/promises';
import { epochSeconds, systemClock } from '../clock.js';
import { readSigningMaterial } from '../config/source-files.js';
import { parseCertificateBundle } from '../token/certificate-bundle.js';
import { inspectToken, type RegistryTrust } from '../token/inspect-token.js';
import { line, stringOption, UsageError, type Command, type CommandIO } from './command.js';
import { settingsFor } from './acl-source.js';
import { readRegistryConfig } from './registry-config-file.js';

export const tokenDecodeCommand: Command = {
  name: 'token decode',
  summary: 'show a token and say in words what a registry would say about it',
  help: `Usage: purser token decode TOKEN [--registry-config PATH]

Prints the token's header and claims, checks its signature, and says what a registry would say about it
(wrong issuer, wrong audience, expired, untrusted key ID, bad signature), with the fix. TOKEN may be "-"
to read it from stdin.

By default the registry is assumed to trust what purser is configured with (PURSER_ISSUER, PURSER_SERVICE,
PURSER_SIGNING_CERT). With --registry-config, the registry's own config.yml is read instead.

Exit status: 0 when a registry would accept the token, 1 when it would not.
`,
  options: { 'registry-config': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const raw = args.positionals[0] === '-' ? await readStdin(io) : (args.positionals[0] ?? '');
    if (raw.trim() === '') throw new UsageError('no token given');
    const trust = await trustFor(stringOption(args, 'registry-config'), io);
    const result = inspectToken(raw, trust, epochSeconds(systemClock));
    line(io.stdout, 'header:');
    line(io.stdout, indent(JSON.stringify(result.header ?? null, (key, value: unknown) => (key === 'x5c' && Array.isArray(value) ? value.map((c) => `${String(c).slice(0, 24)}…`) : value), 2)));
    line(io.stdout, 'claims:');
    line(io.stdout, indent(JSON.stringify(result.claims ?? null, null, 2)));
    const exp = result.claims?.exp;
    if (typeof exp === 'number') line(io.stdout, `expires: ${new Date(exp * 1000).toISOString()}`);
    line(io.stdout);
    if (result.problems.length === 0) {
      line(io.stdout, `a registry trusting issuer ${JSON.stringify(trust.issuer)}, service ${trust.services.map((s) => JSON.stringify(s)).join('/')} and ${trust.certificates.length} certificate(s) would ACCEPT this token`);
      return 0;
    }
    line(io.stdout, `a registry would REJECT this ${result.kind === 'refresh' ? 'refresh token' : 'token'}:`);
    for (const problem of result.problems) {
      line(io.stdout, `  - it logs: ${problem.registrySays}`);
      line(io.stdout, `    fix: ${problem.fix}`);
    }
    return 1;
  },
};

async function trustFor(registryConfig: string | undefined, io: CommandIO): Promise<RegistryTrust> {
  if (registryConfig === undefined) {
    const settings = settingsFor(io);
    return { issuer: settings.issuer, services: settings.services, certificates: (await readSigningMaterial(settings)).certificates };
  }
  const config = await readRegistryConfig(registryConfig, io);
  const bundle = config.rootcertbundle === undefined ? '' : await readFile(config.rootcertbundle, 'utf8');
  const certificates = parseCertificateBundle(bundle);
  return { issuer: config.issuer ?? '', services: config.service === undefined ? [] : [config.service], certificates };
}

async function readStdin(io: CommandIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generateSigningCertificate } from '../certs/signing-certificate.js';
import { writeFileAtomic, writePrivateKeyAtomic } from '../config/atomic-write.js';
import { keyId } from '../token/key-id.js';
import type { SigningAlg } from '../token/signing-key.js';
import { flag, integerOption, line, stringOption, UsageError, type Command } from './command.js';
import { signingFiles } from './signing-files.js';

export const certsInitCommand: Command = {
  name: 'certs init',
  summary: 'make the token signing key and certificate',
  help: `Usage: purser certs init [--dir certs] [--alg RS256|ES256] [--days N] [--force]

Makes the token signing key (DIR/token.key, mode 0600) and its self-signed certificate (DIR/token.crt),
ready for the registry's auth.token.rootcertbundle. Without --dir, the files PURSER_SIGNING_KEY and
PURSER_SIGNING_CERT name (default certs/token.key and certs/token.crt).

  --alg RS256|ES256   RSA 2048 (default) or EC P-256
  --days N            certificate lifetime (default 3650); registries reject tokens once it expires
  --force             replace existing files (registries trusting the old certificate will reject new tokens)
`,
  options: { dir: { type: 'string' }, alg: { type: 'string' }, days: { type: 'string' }, force: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const alg = parseAlg(stringOption(args, 'alg'));
    const days = integerOption(args, 'days', 3650, 1, 36500);
    const files = signingFiles(args, io);
    for (const file of [files.key, files.cert]) {
      if (existsSync(file) && !flag(args, 'force')) {
        line(io.stderr, `purser certs init: ${file} exists; not replacing it without --force`);
        return 1;
      }
    }
    const pair = generateSigningCertificate(alg, days);
    await mkdir(dirname(files.key), { recursive: true });
    await mkdir(dirname(files.cert), { recursive: true });
    await writePrivateKeyAtomic(files.key, pair.keyPem);
    await writeFileAtomic(files.cert, pair.certPem, 0o644);
    const cert = new X509Certificate(pair.certPem);
    line(io.stdout, `wrote ${files.key} (${alg} private key, mode 0600)`);
    line(io.stdout, `wrote ${files.cert} (valid until ${new Date(cert.validTo).toISOString()})`);
    line(io.stdout, `key ID (libtrust):   ${keyId(cert.publicKey, 'libtrust')}`);
    line(io.stdout, `key ID (thumbprint): ${keyId(cert.publicKey, 'thumbprint')}`);
    line(io.stdout, `Give the registry ${files.cert} as auth.token.rootcertbundle (purser registry-config prints the block).`);
    return 0;
  },
};

export function parseAlg(text: string | undefined): SigningAlg {
  if (text === undefined) return 'RS256';
  const alg = text.toUpperCase();
  if (alg !== 'RS256' && alg !== 'ES256') throw new UsageError('--alg must be RS256 or ES256');
  return alg;
}

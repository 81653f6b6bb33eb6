import { existsSync } from 'node:fs';
import { chmod, rename, unlink } from 'node:fs/promises';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { generateSigningCertificate } from '../certs/signing-certificate.js';
import { writeFileAtomic, writePrivateKeyAtomic } from '../config/atomic-write.js';
import { readSigningMaterial, readText } from '../config/source-files.js';
import { loadSettings } from '../config/settings.js';
import { keyId } from '../token/key-id.js';
import { algorithmFor, parseSigningMaterial } from '../token/signing-key.js';
import { flag, integerOption, line, stringOption, UsageError, type Command } from './command.js';
import { parseAlg } from './certs-init.js';
import { signingFiles } from './signing-files.js';

export const certsRotateCommand: Command = {
  name: 'certs rotate',
  summary: 'rotate the token signing key without downtime (prepare, --promote, --retire)',
  help: `Usage: purser certs rotate [--dir certs] [--alg RS256|ES256] [--days N]
       purser certs rotate --promote [--dir certs]
       purser certs rotate --retire [--dir certs]

A rotation in three steps, so that the registry trusts a key before purser signs with it:

  (no flag)   make a new key (DIR/token.key.next) and add its certificate to the end of the bundle
              (DIR/token.crt). purser keeps signing with the current key. Then give the registry the new
              bundle and restart it.
  --promote   sign with the new key: it becomes DIR/token.key and its certificate moves to the front of
              the bundle; the old certificate stays, so tokens and refresh tokens it signed stay valid.
  --retire    keep only the current certificate in the bundle. Refresh tokens signed with older keys stop
              working (those users run docker login again). Give the registry the new bundle afterwards.

purser reloads the files by itself. Without --dir: the files PURSER_SIGNING_KEY and PURSER_SIGNING_CERT name.
`,
  options: {
    dir: { type: 'string' },
    alg: { type: 'string' },
    days: { type: 'string' },
    promote: { type: 'boolean' },
    retire: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    if (flag(args, 'promote') && flag(args, 'retire')) throw new UsageError('--promote and --retire are separate steps');
    const files = signingFiles(args, io);
    const settings = loadSettings({ ...io.env, PURSER_SIGNING_KEY: files.key, PURSER_SIGNING_CERT: files.cert }, io.cwd);
    const next = `${files.key}.next`;
    const current = await readSigningMaterial(settings);
    const ttl = `${settings.tokenTtl} s`;

    if (flag(args, 'retire')) {
      const [keep, ...dropped] = current.certificates;
      if (keep === undefined || dropped.length === 0) {
        line(io.stdout, `${files.cert} holds only the current certificate; nothing to retire`);
        return 0;
      }
      if (existsSync(next)) {
        line(io.stderr, `purser certs rotate: a prepared key (${next}) is waiting; --promote it or delete it before retiring certificates`);
        return 1;
      }
      await writeFileAtomic(files.cert, keep.toString(), 0o644);
      for (const cert of dropped) line(io.stdout, `removed ${keyId(cert.publicKey, 'libtrust')} (valid until ${new Date(cert.validTo).toISOString()})`);
      line(io.stdout, `${files.cert} now holds only ${keyId(keep.publicKey, 'libtrust')}. Give the registry this bundle and restart it.`);
      return 0;
    }

    if (flag(args, 'promote')) {
      if (!existsSync(next)) {
        line(io.stderr, `purser certs rotate: nothing to promote: ${next} does not exist (run purser certs rotate first)`);
        return 1;
      }
      const nextKey = createPrivateKey(await readText(next));
      const incoming = current.certificates.find((cert) => cert.checkPrivateKey(nextKey));
      if (incoming === undefined) {
        line(io.stderr, `purser certs rotate: no certificate in ${files.cert} belongs to ${next}; run purser certs rotate again`);
        return 1;
      }
      const bundle = [incoming, ...current.certificates.filter((cert) => cert !== incoming)];
      // Check the result before touching anything: the key and the first certificate must match.
      parseSigningMaterial(nextKey.export({ type: 'pkcs8', format: 'pem' }) as string, bundle.map(String).join(''), files);
      await writeFileAtomic(files.cert, bundle.map((cert) => cert.toString()).join(''), 0o644);
      // The prepared key becomes the signing key with its own mode: make sure that is 0600.
      await chmod(next, 0o600);
      await rename(next, files.key);
      line(io.stdout, `purser now signs with ${keyId(incoming.publicKey, 'libtrust')}; the earlier certificates stay in ${files.cert}.`);
      line(io.stdout, 'Next:');
      line(io.stdout, `  1. Running purser processes reload the files by themselves (or send SIGHUP, or restart them).`);
      line(io.stdout, `  2. Access tokens signed with the old key expire within PURSER_TOKEN_TTL (${ttl}).`);
      line(io.stdout, '  3. When the old key should no longer be trusted: purser certs rotate --retire, then give the registry the bundle.');
      return 0;
    }

    if (existsSync(next)) {
      line(io.stderr, `purser certs rotate: a rotation is already prepared (${next}); run --promote, or delete that file to start over`);
      return 1;
    }
    const first = current.certificates[0] as X509Certificate;
    const alg = stringOption(args, 'alg') === undefined ? algorithmFor(current.privateKey, files.key) : parseAlg(stringOption(args, 'alg'));
    const pair = generateSigningCertificate(alg, integerOption(args, 'days', 3650, 1, 36500));
    const bundle = current.certificates.map((cert) => cert.toString()).join('') + pair.certPem;
    await writePrivateKeyAtomic(next, pair.keyPem);
    try {
      await writeFileAtomic(files.cert, bundle, 0o644);
    } catch (err) {
      await unlink(next).catch(() => {});
      throw err;
    }
    const incoming = new X509Certificate(pair.certPem);
    line(io.stdout, `made a new ${alg} key (${next}) and added its certificate to ${files.cert}:`);
    line(io.stdout, `  signing now:   ${keyId(first.publicKey, 'libtrust')}`);
    line(io.stdout, `  signing next:  ${keyId(incoming.publicKey, 'libtrust')}`);
    line(io.stdout, 'Next:');
    line(io.stdout, `  1. Give the registry the new ${files.cert} as its rootcertbundle and restart it (a JWKS file: purser jwks --out FILE).`);
    line(io.stdout, '  2. Run purser certs rotate --promote to sign with the new key.');
    return 0;
  },
};

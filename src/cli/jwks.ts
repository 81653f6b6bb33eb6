import { resolve } from 'node:path';
import { writeFileAtomic } from '../config/atomic-write.js';
import { loadSettings } from '../config/settings.js';
import { readSigningMaterial } from '../config/source-files.js';
import { buildJwks } from '../token/jwks.js';
import { line, stringOption, type Command } from './command.js';

export const jwksCommand: Command = {
  name: 'jwks',
  summary: "print or write the JWKS document (registry 3's auth.token.jwks)",
  help: `Usage: purser jwks [--out FILE]

Prints the public keys of PURSER_SIGNING_CERT as a JWKS document, each with the key ID purser's tokens
carry under PURSER_KID_FORMAT; the same document GET /.well-known/jwks.json serves. With --out, writes it
to FILE for the registry's auth.token.jwks.
`,
  options: { out: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const settings = loadSettings(io.env, io.cwd);
    const text = `${JSON.stringify(buildJwks(await readSigningMaterial(settings), settings.kidFormat), null, 2)}\n`;
    const out = stringOption(args, 'out');
    if (out === undefined) {
      io.stdout.write(text);
    } else {
      await writeFileAtomic(resolve(io.cwd, out), text, 0o644);
      line(io.stdout, `wrote ${resolve(io.cwd, out)} (${settings.kidFormat} key IDs)`);
    }
    return 0;
  },
};

import { defaultRealm, registrySnippet } from '../config/registry-snippet.js';
import { loadSettings } from '../config/settings.js';
import { line, stringOption, UsageError, type Command } from './command.js';

export const registryConfigCommand: Command = {
  name: 'registry-config',
  summary: "print the auth: token: block for the registry's config.yml",
  help: `Usage: purser registry-config [--realm URL] [--jwks FILE]

Prints the auth: token: block for the registry's config.yml from purser's live settings (PURSER_SERVICE,
PURSER_ISSUER, PURSER_SIGNING_CERT), for registry 2.x and 3 with rootcertbundle, and for registry 3 with
a JWKS file.

  --realm URL   the URL clients reach purser at (default: from PURSER_LISTEN and this host's name)
  --jwks FILE   the JWKS path to show in the registry 3 variant (default /etc/docker/registry/jwks.json)
`,
  options: { realm: { type: 'string' }, jwks: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const settings = loadSettings(io.env, io.cwd);
    const realm = stringOption(args, 'realm') ?? defaultRealm(settings);
    if (!/^https?:\/\/[^/]+/.test(realm)) throw new UsageError('--realm must be an http:// or https:// URL');
    const jwks = stringOption(args, 'jwks') ?? '/etc/docker/registry/jwks.json';
    line(io.stdout, `# Registry 2.x and 3, trusting ${settings.signingCertFile} (copy it to the registry and adjust the path):`);
    io.stdout.write(registrySnippet(settings, realm));
    line(io.stdout);
    line(io.stdout, '# Registry 3 with only a JWKS file (write it with: purser jwks --out FILE).');
    if (settings.kidFormat !== 'thumbprint') {
      line(io.stdout, '# This needs PURSER_KID_FORMAT=thumbprint: in libtrust mode tokens carry x5c, which registry 3 checks against root certificates first.');
    }
    io.stdout.write(registrySnippet(settings, realm, jwks).replace(/^ {4}rootcertbundle:.*\n/m, ''));
    return 0;
  },
};

import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { epochSeconds, systemClock } from '../clock.js';
import { parseFederation } from '../config/federation-file.js';
import { loadSettings } from '../config/settings.js';
import { readText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { answerCredentialRequest } from '../kubelet/credential-provider.js';
import { CredentialRequestError } from '../kubelet/credential-request-error.js';
import { isRegistryHost } from '../kubelet/image-registry.js';
import { credentialProviderConfig, TOKEN_CACHE_TYPES, type TokenCacheType } from '../kubelet/provider-config.js';
import { flag, line, listOption, stringOption, UsageError, type Command, type CommandIO, type Parsed } from './command.js';

/** A CredentialProviderRequest is a few kilobytes; anything near this is not one. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export const kubeletCredentialProviderCommand: Command = {
  name: 'kubelet-credential-provider',
  summary: "a kubelet image credential provider: pods pull with their own service-account token",
  help: `Usage: purser kubelet-credential-provider --issuer-name NAME [--registry HOST ...]
       purser kubelet-credential-provider --print-config --issuer-name NAME --registry HOST ... [--audience AUD] [--cache-type Token|ServiceAccount]

A kubelet image credential provider plugin (credentialprovider.kubelet.k8s.io/v1) for Kubernetes 1.34 and
later, where the kubelet hands the plugin a service-account token bound to the pod (KEP-4412). The kubelet
runs it with a CredentialProviderRequest on stdin; it answers a CredentialProviderResponse on stdout whose
auth entry for the image's registry has user name NAME (the federation entry that trusts the cluster's
service-account issuer) and password the pod's token, cached no longer than the token lives. An image that
names no registry ("nginx", "team/app") is on Docker Hub, docker.io.

A request it cannot answer (not JSON, another apiVersion or kind, no serviceAccountToken, a token without
exp or already expired, an image of a registry not given with --registry) exits 1 with the reason on
stderr and nothing on stdout.

  --issuer-name NAME   the federation entry's name
  --registry HOST      hand the token only to this registry (repeatable); the printed configuration sets it

--print-config prints the kubelet's CredentialProviderConfig for this plugin instead:
  --registry HOST      the registry host images name (repeatable): the provider's matchImages
  --audience AUD       the token audience: the entry's audience (default: read from PURSER_FEDERATION)
  --federation FILE    the federation file to read the audience from (default: PURSER_FEDERATION)
  --cache-type T       tokenAttributes.cacheType: Token (default; the credential is the token itself) or
                       ServiceAccount (one pod's token serves every pod of its service account)
`,
  options: {
    'issuer-name': { type: 'string' },
    registry: { type: 'string', multiple: true },
    'print-config': { type: 'boolean' },
    audience: { type: 'string' },
    federation: { type: 'string' },
    'cache-type': { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const issuerName = stringOption(args, 'issuer-name');
    if (issuerName === undefined) throw new UsageError('--issuer-name NAME is required: the name of the federation entry');
    // It becomes an HTTP Basic user name, which cannot hold a colon.
    if (issuerName === '' || /[:\s]/.test(issuerName)) throw new UsageError(`--issuer-name ${JSON.stringify(issuerName)} is not a federation entry name`);
    const registries = listOption(args, 'registry');
    for (const host of registries) {
      if (!isRegistryHost(host)) throw new UsageError(`--registry ${JSON.stringify(host)}: give the registry's host as images name it (registry.example.com or registry.example.com:5000), without scheme or path`);
    }
    if (flag(args, 'print-config')) return printConfig(args, io, issuerName, registries);
    for (const option of ['audience', 'federation', 'cache-type']) {
      if (args.values[option] !== undefined) throw new UsageError(`--${option} goes with --print-config`);
    }
    if (io.stdin.isTTY === true) throw new UsageError('the kubelet runs this with a CredentialProviderRequest on stdin; to set it up, see --print-config');
    try {
      const text = await readRequest(io);
      const response = answerCredentialRequest(text, { issuerName, registries, now: epochSeconds(systemClock) });
      line(io.stdout, JSON.stringify(response));
      return 0;
    } catch (err) {
      if (!(err instanceof CredentialRequestError)) throw err;
      line(io.stderr, `purser kubelet-credential-provider: ${err.message} (${err.code})`);
      return 1;
    }
  },
};

async function printConfig(args: Parsed, io: CommandIO, issuerName: string, registries: readonly string[]): Promise<number> {
  if (registries.length === 0) throw new UsageError('--print-config needs --registry HOST: the registry whose images the kubelet pulls with the pod token');
  const cacheType = stringOption(args, 'cache-type') ?? 'Token';
  if (!TOKEN_CACHE_TYPES.includes(cacheType as TokenCacheType)) throw new UsageError(`--cache-type must be ${TOKEN_CACHE_TYPES.join(' or ')}`);
  const audience = stringOption(args, 'audience') ?? (await entryAudience(args, io, issuerName));
  if (audience === '') throw new UsageError('--audience must not be empty');
  const config = credentialProviderConfig({ issuerName, audience, registries, cacheType: cacheType as TokenCacheType });
  io.stdout.write(
    [
      "# The kubelet's image credential provider configuration for purser (KEP-4412, Kubernetes 1.34+).",
      '# On every node: install purser as <bin-dir>/purser, save this file, and start the kubelet with',
      '#   --image-credential-provider-config=<this file> --image-credential-provider-bin-dir=<bin-dir>',
      '# (feature gate KubeletServiceAccountTokenForCredentialProviders: beta, on by default since 1.34).',
      `# The API server must let nodes request tokens with audience ${JSON.stringify(audience)}: see`,
      '# deploy/kubernetes/kubelet-credential-provider.yaml.',
      yaml.dump(config, { lineWidth: -1, noRefs: true }),
    ].join('\n'),
  );
  return 0;
}

/** The audience of the federation entry named NAME, so that the token the kubelet asks for is one purser takes. */
async function entryAudience(args: Parsed, io: CommandIO, issuerName: string): Promise<string> {
  const option = stringOption(args, 'federation');
  const file = option === undefined ? loadSettings(io.env, io.cwd).federationFile : resolve(io.cwd, option);
  const { issuers, issues } = parseFederation(parseYamlDocument(await readText(file), file));
  if (issuers === undefined) throw new ConfigError(issues);
  const entry = issuers.find((e) => e.name === issuerName);
  if (entry === undefined) throw new UsageError(`${file} has no entry named ${JSON.stringify(issuerName)} (it has ${issuers.map((e) => e.name).join(', ') || 'none'}); give --audience`);
  return entry.audience;
}

async function readRequest(io: CommandIO): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) throw new CredentialRequestError('ERR_KUBELET_REQUEST_MALFORMED', `stdin holds more than ${MAX_REQUEST_BYTES} bytes; a CredentialProviderRequest is far smaller`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

import { hostname } from 'node:os';
import type { Settings } from './settings.js';

/** The realm a registry should send clients to, guessed from the listen address when not given. */
export function defaultRealm(settings: Settings): string {
  const scheme = settings.tlsCertFile ? 'https' : 'http';
  const { host, port } = settings.listen;
  const name = host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${name}:${port}/auth`;
}

/**
 * The `auth: token:` block for the registry's config.yml, from purser's live settings.
 * `rootcertbundle` is the path as purser sees it; mount the same file into the registry.
 */
export function registrySnippet(settings: Settings, realm = defaultRealm(settings), jwksFile?: string): string {
  const lines = [
    'auth:',
    '  token:',
    `    realm: ${quote(realm)}`,
    `    service: ${quote(settings.services[0] ?? '')}`,
    `    issuer: ${quote(settings.issuer)}`,
    `    rootcertbundle: ${quote(settings.signingCertFile)}`,
  ];
  if (jwksFile !== undefined) lines.push(`    jwks: ${quote(jwksFile)}`);
  return `${lines.join('\n')}\n`;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

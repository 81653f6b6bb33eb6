import type { RegistryConfig } from '../cli/registry-config-file.js';
import { registrySnippet } from '../config/registry-snippet.js';
import type { Settings } from '../config/settings.js';
import { ok, type Finding } from './finding.js';

/** The registry uses token auth, and its issuer and service are the ones purser signs for. */
export function checkTokenSettings(registry: RegistryConfig, settings: Settings): Finding[] {
  if (!registry.hasTokenAuth) {
    return [
      {
        level: 'error',
        what: `${registry.file} has no auth: token: section${registry.otherAuth.length > 0 ? ` (it uses ${registry.otherAuth.join(', ')})` : ''}`,
        says: 'clients are never sent to purser',
        fix: `replace the registry's auth: section with (purser registry-config prints it):\n${registrySnippet(settings)}`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (registry.issuer === settings.issuer) findings.push(ok(`issuer ${JSON.stringify(settings.issuer)} matches auth.token.issuer`));
  else
    findings.push({
      level: 'error',
      what: `auth.token.issuer is ${JSON.stringify(registry.issuer ?? null)}, but purser signs as ${JSON.stringify(settings.issuer)}`,
      says: `token from untrusted issuer: ${JSON.stringify(settings.issuer)}`,
      fix: `set auth.token.issuer: ${JSON.stringify(settings.issuer)} in ${registry.file} (or PURSER_ISSUER=${JSON.stringify(registry.issuer ?? '')})`,
    });
  if (registry.service !== undefined && settings.services.includes(registry.service)) {
    findings.push(ok(`service ${JSON.stringify(registry.service)} is one purser issues tokens for`));
  } else {
    findings.push({
      level: 'error',
      what: `auth.token.service is ${JSON.stringify(registry.service ?? null)}, but purser issues tokens only for ${settings.services.map((s) => JSON.stringify(s)).join(', ')}`,
      says: 'clients get 400 "unknown service" from purser, or the registry logs: token intended for another audience',
      fix: `set auth.token.service: ${JSON.stringify(settings.services[0])} in ${registry.file}, or add ${JSON.stringify(registry.service ?? '')} to PURSER_SERVICE`,
    });
  }
  if (registry.realm === undefined) {
    findings.push({ level: 'error', what: 'auth.token.realm is not set', fix: 'set auth.token.realm to the URL clients reach purser at, ending in /auth' });
  }
  return findings;
}

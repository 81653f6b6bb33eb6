import { dirname, resolve } from 'node:path';
import { readText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import type { CommandIO } from './command.js';

/** The parts of a registry's config.yml that concern purser. */
export interface RegistryConfig {
  readonly file: string;
  readonly hasTokenAuth: boolean;
  readonly otherAuth: readonly string[];
  readonly realm: string | undefined;
  readonly service: string | undefined;
  readonly issuer: string | undefined;
  readonly rootcertbundle: string | undefined;
  readonly jwks: string | undefined;
  readonly host: string | undefined;
  readonly tlsCertificate: string | undefined;
}

/**
 * Reads the registry's config.yml. Like the registry, REGISTRY_AUTH_TOKEN_* and REGISTRY_HTTP_*
 * variables in the environment override the file. Relative paths are taken from the file's folder.
 */
export async function readRegistryConfig(path: string, io: CommandIO): Promise<RegistryConfig> {
  const file = resolve(io.cwd, path);
  const doc = parseYamlDocument(await readText(file), file);
  const root = asRecord(doc.value);
  const auth = asRecord(root.auth);
  const token = asRecord(auth.token);
  const http = asRecord(root.http);
  const tls = asRecord(http.tls);
  const env = (name: string): string | undefined => io.env[name] || undefined;
  const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const path_ = (value: string | undefined): string | undefined => (value === undefined ? undefined : resolve(dirname(file), value));
  return {
    file,
    hasTokenAuth: 'token' in auth || env('REGISTRY_AUTH') === 'token',
    otherAuth: Object.keys(auth).filter((key) => key !== 'token'),
    realm: env('REGISTRY_AUTH_TOKEN_REALM') ?? str(token.realm),
    service: env('REGISTRY_AUTH_TOKEN_SERVICE') ?? str(token.service),
    issuer: env('REGISTRY_AUTH_TOKEN_ISSUER') ?? str(token.issuer),
    rootcertbundle: path_(env('REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE') ?? str(token.rootcertbundle)),
    jwks: path_(env('REGISTRY_AUTH_TOKEN_JWKS') ?? str(token.jwks)),
    host: env('REGISTRY_HTTP_HOST') ?? str(http.host),
    tlsCertificate: path_(env('REGISTRY_HTTP_TLS_CERTIFICATE') ?? str(tls.certificate)),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

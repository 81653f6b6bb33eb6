import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseSigningMaterial, type SigningMaterial } from '../token/signing-key.js';
import type { Settings } from './settings.js';
import type { SourceTexts } from './snapshot.js';

/** Anything larger is not a configuration file, and reading it whole would be a memory hazard. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export async function readSources(settings: Settings): Promise<SourceTexts> {
  const [acl, users, apiTokens, federation, signingKey, signingCert, tlsKey, tlsCert] = await Promise.all([
    readText(settings.aclFile),
    readText(settings.htpasswdFile),
    readOptionalText(settings.apiTokensFile),
    readOptionalText(settings.federationFile),
    readText(settings.signingKeyFile),
    readText(settings.signingCertFile),
    settings.tlsKeyFile === undefined ? undefined : readText(settings.tlsKeyFile),
    settings.tlsCertFile === undefined ? undefined : readText(settings.tlsCertFile),
  ]);
  const texts = { acl, users, apiTokens, federation, signingKey, signingCert };
  return tlsKey === undefined || tlsCert === undefined ? texts : { ...texts, tls: { key: tlsKey, cert: tlsCert } };
}

/** A file that may not exist: missing is "" (no entries), anything else unreadable is an error. */
export async function readOptionalText(file: string): Promise<string> {
  if (!existsSync(file)) return '';
  return readText(file);
}

export async function readText(file: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw ConfigError.single(file, `cannot read: ${why}`);
  }
  if (data.length > MAX_FILE_BYTES) throw ConfigError.single(file, `larger than ${MAX_FILE_BYTES} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw ConfigError.single(file, 'not valid UTF-8 text');
  }
}

/**
 * On a first start neither the signing key nor its certificate exists: make both (RSA, RS256).
 * If only one of them exists, something is wrong (a lost key, a half-copied secret), and making a new
 * pair would silently break every registry that trusts the old certificate, so refuse instead.
 * Returns true when it generated a pair.
 */
export async function ensureSigningKey(settings: Settings): Promise<boolean> {
  const keyExists = existsSync(settings.signingKeyFile);
  const certExists = existsSync(settings.signingCertFile);
  if (keyExists && certExists) return false;
  if (keyExists !== certExists) {
    const [present, missing] = keyExists
      ? [settings.signingKeyFile, settings.signingCertFile]
      : [settings.signingCertFile, settings.signingKeyFile];
    throw ConfigError.single(
      missing,
      `missing, but ${present} exists; restore it, or remove both and restart to make a new pair ` +
        '(registries that trust the old certificate must then be given the new one)',
    );
  }
  // Loaded here, on a first start only: node-forge need not be in every server process.
  const { generateSigningCertificate } = await import('../certs/signing-certificate.js');
  const { keyPem, certPem } = generateSigningCertificate('RS256');
  await mkdir(dirname(settings.signingKeyFile), { recursive: true });
  await mkdir(dirname(settings.signingCertFile), { recursive: true });
  await writeFile(settings.signingKeyFile, keyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(settings.signingCertFile, certPem, { mode: 0o644, flag: 'wx' });
  return true;
}

/** The signing key and certificate bundle named by the settings, checked to belong together. */
export async function readSigningMaterial(settings: Settings): Promise<SigningMaterial> {
  const [key, cert] = await Promise.all([readText(settings.signingKeyFile), readText(settings.signingCertFile)]);
  return parseSigningMaterial(key, cert, { key: settings.signingKeyFile, cert: settings.signingCertFile });
}

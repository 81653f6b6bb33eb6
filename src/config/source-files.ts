import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseSigningMaterial, type SigningMaterial } from '../token/signing-key.js';
import { readSettled, UnsettledFileError, type SettleOptions } from './settled-read.js';
import type { Settings } from './settings.js';
import type { SourceTexts } from './snapshot.js';

/** Anything larger is not a configuration file, and reading it whole would be a memory hazard. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** How much longer than the settle time a file may keep changing before it is refused. */
const SETTLE_PATIENCE_MS = 30_000;

/**
 * Reads every file the configuration is built from, each once it has settled (PURSER_RELOAD_SETTLE):
 * at start and at every reload, so that a file being written in place is never used half-written.
 * `settleMs` overrides the setting (a check that only reports, such as doctor, need not wait).
 */
export async function readSources(settings: Settings, options: { settleMs?: number; signal?: AbortSignal } = {}): Promise<SourceTexts> {
  const settleMs = options.settleMs ?? settings.reloadSettle * 1000;
  const settle: SettleOptions = { settleMs, maxWaitMs: settleMs + SETTLE_PATIENCE_MS, ...(options.signal && { signal: options.signal }) };
  const read = (file: string) => readText(file, settle);
  const optional = (file: string) => readOptionalText(file, settle);
  const [acl, users, apiTokens, federation, signingKey, signingCert, tlsKey, tlsCert] = await Promise.all([
    read(settings.aclFile),
    read(settings.htpasswdFile),
    optional(settings.apiTokensFile),
    optional(settings.federationFile),
    read(settings.signingKeyFile),
    read(settings.signingCertFile),
    settings.tlsKeyFile === undefined ? undefined : read(settings.tlsKeyFile),
    settings.tlsCertFile === undefined ? undefined : read(settings.tlsCertFile),
  ]);
  const texts = { acl, users, apiTokens, federation, signingKey, signingCert };
  return tlsKey === undefined || tlsCert === undefined ? texts : { ...texts, tls: { key: tlsKey, cert: tlsCert } };
}

/** A file that may not exist: missing is "" (no entries), anything else unreadable is an error. */
export async function readOptionalText(file: string, settle?: SettleOptions): Promise<string> {
  if (!existsSync(file)) return '';
  return readText(file, settle);
}

/** A file's text, checked to be UTF-8 and not huge; with `settle`, read once it has settled (see readSettled). */
export async function readText(file: string, settle?: SettleOptions): Promise<string> {
  let data: Buffer;
  try {
    data = settle === undefined ? await readFile(file) : await readSettled(file, settle);
  } catch (err) {
    if (err instanceof UnsettledFileError) throw ConfigError.single(file, err.message);
    if (settle?.signal?.aborted) throw err;
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

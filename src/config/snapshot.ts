import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { compileAcl } from '../authz/acl-compile.js';
import type { Acl } from '../authz/acl.js';
import type { ApiTokenSet } from '../authn/api-token.js';
import { parseHtpasswd, type UserRecord } from '../authn/htpasswd.js';
import type { TrustedIssuer } from '../authn/federation/trusted-issuer.js';
import { parseApiTokens } from './api-tokens-file.js';
import { parseFederation } from './federation-file.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { REFRESH_TYP } from '../authn/refresh-token.js';
import { createJwsSigner, type JwsSigner } from '../token/jws.js';
import { buildJwks, type Jwks } from '../token/jwks.js';
import { keyId } from '../token/key-id.js';
import { parseSigningMaterial, type SigningMaterial } from '../token/signing-key.js';
import type { Settings } from './settings.js';
import { parseYamlDocument } from './yaml-document.js';

/** The text of every file a snapshot is built from. */
export interface SourceTexts {
  readonly acl: string;
  readonly users: string;
  /** The API tokens file; absent or "" when it does not exist. */
  readonly apiTokens?: string;
  /** The federation file; absent or "" when it does not exist. */
  readonly federation?: string;
  readonly signingKey: string;
  readonly signingCert: string;
  /** PURSER_TLS_KEY and PURSER_TLS_CERT, when purser serves TLS itself. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/**
 * Everything a request needs, built whole from settings and files and never changed afterwards.
 * A reload builds a new snapshot and swaps it in; a request reads the current one once, at its start,
 * so it sees either the old configuration or the new one, never a mix.
 */
export interface Snapshot {
  readonly settings: Settings;
  readonly acl: Acl;
  readonly users: ReadonlyMap<string, UserRecord>;
  readonly apiTokens: ApiTokenSet;
  /** Trusted OIDC issuers, in file order. */
  readonly federation: readonly TrustedIssuer[];
  /** The highest bcrypt cost in users.htpasswd: every failed password check takes as long as one of this cost. */
  readonly slowestCost: number;
  readonly signing: SigningMaterial;
  /** The key ID access tokens carry (PURSER_KID_FORMAT). */
  readonly kid: string;
  /** Public keys of every certificate in the bundle, for checking refresh tokens. */
  readonly publicKeys: readonly KeyObject[];
  readonly signAccessToken: JwsSigner;
  readonly signRefreshToken: JwsSigner;
  readonly jwks: Jwks;
  /** The TLS key and certificate chain to serve, checked to belong together. */
  readonly tls: { readonly key: string; readonly cert: string } | undefined;
  /** Content hashes of the sources, to tell what a reload changed. */
  readonly versions: { readonly acl: string; readonly users: string; readonly apiTokens: string; readonly federation: string; readonly keys: string; readonly tls: string };
}

/** Builds a snapshot from file contents; parts whose source did not change are taken from `previous`. */
export function buildSnapshot(settings: Settings, texts: SourceTexts, previous?: Snapshot): Snapshot {
  const versions = {
    acl: digest(texts.acl),
    users: digest(texts.users),
    apiTokens: digest(texts.apiTokens ?? ''),
    federation: digest(texts.federation ?? ''),
    keys: digest(`${texts.signingKey}\0${texts.signingCert}`),
    tls: texts.tls === undefined ? '' : digest(`${texts.tls.key}\0${texts.tls.cert}`),
  };
  const issues: ConfigIssue[] = [];
  const collect = <T>(build: () => T): T | undefined => {
    try {
      return build();
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
      return undefined;
    }
  };

  const reuse = previous !== undefined && previous.settings === settings;
  const acl =
    reuse && previous.versions.acl === versions.acl
      ? previous.acl
      : collect(() => {
          const compiled = compileAcl(parseYamlDocument(texts.acl, settings.aclFile));
          if (compiled.acl === undefined) throw new ConfigError(compiled.issues);
          return compiled.acl;
        });
  const users =
    reuse && previous.versions.users === versions.users
      ? previous.users
      : collect(() => {
          const parsed = parseHtpasswd(texts.users, settings.htpasswdFile);
          if (parsed.issues.length > 0) throw new ConfigError(parsed.issues);
          return parsed.users;
        });
  const apiTokens =
    reuse && previous.versions.apiTokens === versions.apiTokens
      ? previous.apiTokens
      : collect(() => {
          const parsed = parseApiTokens(parseYamlDocument(texts.apiTokens ?? '', settings.apiTokensFile));
          if (parsed.tokens === undefined) throw new ConfigError(parsed.issues);
          return parsed.tokens;
        });
  const federation =
    reuse && previous.versions.federation === versions.federation
      ? previous.federation
      : collect(() => {
          const parsed = parseFederation(parseYamlDocument(texts.federation ?? '', settings.federationFile));
          if (parsed.issuers === undefined) throw new ConfigError(parsed.issues);
          return parsed.issuers;
        });
  const keys =
    reuse && previous.versions.keys === versions.keys
      ? previous
      : collect(() => signingParts(settings, texts));
  const tls = texts.tls === undefined ? undefined : collect(() => checkTls(settings, texts.tls as { key: string; cert: string }));
  if (acl === undefined || users === undefined || apiTokens === undefined || federation === undefined || keys === undefined || (texts.tls !== undefined && tls === undefined)) {
    throw new ConfigError(issues);
  }

  return Object.freeze({
    settings,
    acl,
    users,
    apiTokens,
    federation,
    slowestCost: slowestCost(users),
    signing: keys.signing,
    kid: keys.kid,
    publicKeys: keys.publicKeys,
    signAccessToken: keys.signAccessToken,
    signRefreshToken: keys.signRefreshToken,
    jwks: keys.jwks,
    tls,
    versions,
  });
}

type SigningParts = Pick<Snapshot, 'signing' | 'kid' | 'publicKeys' | 'signAccessToken' | 'signRefreshToken' | 'jwks'>;

function signingParts(settings: Settings, texts: SourceTexts): SigningParts {
  const signing = parseSigningMaterial(texts.signingKey, texts.signingCert, {
    key: settings.signingKeyFile,
    cert: settings.signingCertFile,
  });
  const current = signing.certificates[0];
  if (current === undefined) throw ConfigError.single(settings.signingCertFile, 'no certificate');
  const kid = keyId(current.publicKey, settings.kidFormat);
  // libtrust mode also sends the certificate (x5c): registry 2.x and 3 both verify that chain against
  // rootcertbundle first. Registry 3 given only a JWKS file cannot, so thumbprint mode leaves x5c out.
  const header =
    settings.kidFormat === 'libtrust' ? { typ: 'JWT', kid, x5c: [current.raw.toString('base64')] } : { typ: 'JWT', kid };
  return {
    signing,
    kid,
    publicKeys: signing.certificates.map((certificate) => certificate.publicKey),
    signAccessToken: createJwsSigner(signing.alg, signing.privateKey, header),
    signRefreshToken: createJwsSigner(signing.alg, signing.privateKey, { typ: REFRESH_TYP }),
    jwks: buildJwks(signing, settings.kidFormat),
  };
}

function checkTls(settings: Settings, tls: { key: string; cert: string }): { key: string; cert: string } {
  const certFile = settings.tlsCertFile ?? 'PURSER_TLS_CERT';
  const keyFile = settings.tlsKeyFile ?? 'PURSER_TLS_KEY';
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(tls.cert);
  } catch (err) {
    throw ConfigError.single(certFile, `cannot read a PEM certificate: ${(err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(tls.key);
  } catch (err) {
    throw ConfigError.single(keyFile, `cannot read a PEM private key: ${(err as Error).message}`);
  }
  if (!certificate.checkPrivateKey(key)) throw ConfigError.single(certFile, `the certificate does not belong to the key in ${keyFile}`);
  return tls;
}

/** With no users, the cost `purser user add` writes. */
function slowestCost(users: ReadonlyMap<string, UserRecord>): number {
  let slowest = 0;
  for (const user of users.values()) slowest = Math.max(slowest, user.cost);
  return slowest === 0 ? 10 : slowest;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

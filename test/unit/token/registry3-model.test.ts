/**
 * Registry 3 is not packaged for this machine, so its token verifier is modelled here from its source
 * (distribution v3 registry/auth/token: token.go VerifySigningKey, accesscontroller.go, util.go) and
 * purser's tokens are checked against the model in every configuration the README describes.
 *   1. An x5c header is verified as a chain against rootcertbundle first; if present and not
 *      verifiable, the token is rejected.
 *   2. Without x5c, a `kid` is looked up among the rootcertbundle certificates' RFC 7638
 *      thumbprints and the `kid`s of the JWKS file.
 * Its EC thumbprint hashes the curve's base point (params.Gx, params.Gy) instead of the key's point.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { buildJwks } from '../../../src/token/jwks.js';
import { jwkThumbprint } from '../../../src/token/key-id.js';
import { startTestApp } from '../../helpers/app.js';

// The P-256 base point, as registry 3's util.go hashes it for every EC key.
const P256_GX = Buffer.from('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296', 'hex').toString('base64url');
const P256_GY = Buffer.from('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5', 'hex').toString('base64url');

function registry3Thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'EC') {
    return createHash('sha256').update(JSON.stringify({ crv: 'P-256', kty: 'EC', x: P256_GX, y: P256_GY })).digest('base64url');
  }
  return jwkThumbprint(jwk);
}

interface Registry3 {
  readonly rootcertbundle?: readonly X509Certificate[];
  readonly jwks?: { keys: ReadonlyArray<Record<string, unknown>> };
}

/** Returns null when registry 3 would accept the token's signature, or what it would log. */
function registry3Verify(token: string, registry: Registry3): string | null {
  const [h = '', c = '', s = ''] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid?: string; x5c?: string[] };
  let key: KeyObject | undefined;
  if (header.x5c !== undefined) {
    const leaf = new X509Certificate(Buffer.from(header.x5c[0] ?? '', 'base64'));
    const roots = registry.rootcertbundle ?? [];
    if (!roots.some((root) => root.raw.equals(leaf.raw) || (leaf.checkIssued(root) && leaf.verify(root.publicKey)))) {
      return 'x509: certificate signed by unknown authority';
    }
    key = leaf.publicKey;
  } else if (header.kid !== undefined) {
    const trusted = new Map<string, KeyObject>();
    for (const cert of registry.rootcertbundle ?? []) trusted.set(registry3Thumbprint(cert.publicKey), cert.publicKey);
    for (const jwk of registry.jwks?.keys ?? []) trusted.set(String(jwk.kid), createPublicKey({ key: jwk, format: 'jwk' }));
    key = trusted.get(header.kid);
    if (key === undefined) return `token signed by untrusted key with ID: "${header.kid}"`;
  } else {
    return 'invalid token';
  }
  const data = Buffer.from(`${h}.${c}`);
  const signature = Buffer.from(s, 'base64url');
  const ok = header.alg === 'ES256' ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature) : verify('sha256', data, key, signature);
  return ok ? null : 'invalid signature';
}

async function tokenFrom(alg: 'RS256' | 'ES256', kidFormat: 'libtrust' | 'thumbprint') {
  const app = await startTestApp({ alg, env: { PURSER_KID_FORMAT: kidFormat } });
  try {
    const body = (await (await fetch(`${app.url}/auth?service=Docker%20registry`)).json()) as { token: string };
    const snapshot = app.store.current();
    return { token: body.token, bundle: snapshot.signing.certificates, jwks: buildJwks(snapshot.signing, kidFormat) };
  } finally {
    await app.close();
  }
}

describe('registry 3 (modelled) accepts purser tokens as the README says', () => {
  const cases: Array<['RS256' | 'ES256', 'libtrust' | 'thumbprint', 'bundle' | 'jwks' | 'both', string | null]> = [
    ['RS256', 'libtrust', 'bundle', null],
    ['ES256', 'libtrust', 'bundle', null],
    ['RS256', 'thumbprint', 'bundle', null],
    ['RS256', 'thumbprint', 'jwks', null],
    ['ES256', 'thumbprint', 'jwks', null],
    ['ES256', 'thumbprint', 'both', null],
    // With x5c and only a JWKS file, the chain has no root: rejected. Hence thumbprint mode.
    ['RS256', 'libtrust', 'jwks', 'x509: certificate signed by unknown authority'],
    // Registry 3's EC thumbprint quirk: an ES256 key in thumbprint mode needs the JWKS file.
    ['ES256', 'thumbprint', 'bundle', 'token signed by untrusted key with ID'],
  ];
  for (const [alg, kidFormat, trust, expected] of cases) {
    test(`${alg}, PURSER_KID_FORMAT=${kidFormat}, registry with ${trust}: ${expected ?? 'accepted'}`, async () => {
      const { token, bundle, jwks } = await tokenFrom(alg, kidFormat);
      const registry: Registry3 = {
        ...(trust !== 'jwks' ? { rootcertbundle: bundle } : {}),
        ...(trust !== 'bundle' ? { jwks: jwks as unknown as Registry3['jwks'] } : {}),
      };
      const verdict = registry3Verify(token, registry);
      if (expected === null) assert.equal(verdict, null);
      else assert.match(verdict ?? 'accepted', new RegExp(expected.replace(/[()]/g, '\\$&')));
    });
  }
});

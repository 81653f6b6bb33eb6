import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface TestIssuer {
  /** http://127.0.0.1:PORT: the `iss` and the discovery base. */
  readonly issuer: string;
  /** How many times the JWKS document was fetched. */
  readonly fetches: () => number;
  /** Signs `claims` (iss, iat and exp added unless given) with the current key, or another. */
  sign(claims: JWTPayload, options?: { alg?: string; kid?: string; key?: 'current' | 'unpublished'; header?: Record<string, unknown> }): Promise<string>;
  /** Makes a new current key and publishes only it. */
  rotate(): Promise<void>;
  /** Stops answering (connections refused) until `start` again. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Key {
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly publicJwk: JWK;
}

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * An OIDC issuer on loopback built on jose: it serves a real discovery document and JWKS over
 * HTTP, and signs tokens with the documented claim sets a test hands it. For claim sets a full
 * OpenID Provider cannot shape (GitHub Actions', Kubernetes').
 */
export async function startTestIssuer(port = 0): Promise<TestIssuer> {
  let generation = 1;
  let current = await makeKey('key-1');
  const unpublished = await makeKey('never-published');
  let jwksFetches = 0;
  let server: Server;
  let issuer = '';
  const listen = (onPort: number): Promise<void> =>
    new Promise((resolve) => {
      server = createServer((req, res) => {
        const json = (body: unknown) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.url === '/.well-known/openid-configuration') json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
        else if (req.url === '/jwks') {
          jwksFetches++;
          json({ keys: [current.publicJwk] });
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      server.listen(onPort, '127.0.0.1', () => resolve());
    });
  await listen(port);
  const boundPort = (server!.address() as AddressInfo).port;
  issuer = `http://127.0.0.1:${boundPort}`;
  return {
    issuer,
    fetches: () => jwksFetches,
    async sign(claims, options = {}) {
      const key = options.key === 'unpublished' ? unpublished : current;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? key.kid, typ: 'JWT', ...options.header })
        .sign(key.privateKey);
    },
    async rotate() {
      generation += 1;
      current = await makeKey(`key-${generation}`);
    },
    down: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
    up: () => listen(boundPort),
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

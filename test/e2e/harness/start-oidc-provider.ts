import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface OidcClient {
  readonly clientId: string;
  readonly secret: string;
  /**
   * What every token of this client carries on top of oidc-provider's own claims (jti, sub, iat,
   * exp, client_id, iss, aud): a CI platform's claim set. `sub` here replaces the client id.
   */
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface OidcProviderOptions {
  readonly clients: readonly OidcClient[];
  /** 0 (the default) lets the kernel pick; pass a port to start again where an earlier one ran. */
  readonly port?: number;
  /** Private signing JWKs; new ones (one RS256 key) when omitted. Pass an earlier provider's to keep its keys. */
  readonly keys?: readonly JWK[];
  /** Lifetime of the access tokens, seconds; default 600. */
  readonly tokenTtl?: number;
}

export interface RunningOidcProvider {
  /** http://127.0.0.1:PORT: the `iss`, and the base of discovery (/.well-known/openid-configuration). */
  readonly issuer: string;
  readonly port: number;
  /** The private JWKs it signs with, to start a later provider with the same keys. */
  readonly keys: readonly JWK[];
  readonly kid: string;
  /**
   * A JWT from the token endpoint: the client_credentials grant with an RFC 8707 resource
   * indicator, which becomes the token's `aud`. Fails the test unless the provider answers 200.
   */
  token(clientId: string, resource: string): Promise<string>;
  /** Refuses connections from now on (open ones are closed). */
  stop(): Promise<void>;
  /** Errors oidc-provider reported (server_error events), for assertion messages. */
  errors(): readonly string[];
}

/**
 * A real OpenID Provider (panva's oidc-provider, in this process) on 127.0.0.1. oidc-provider
 * issues ID tokens only through user flows; the JWT it hands a workload is a client_credentials
 * access token, which is a JWT only for a resource server configured through
 * features.resourceIndicators (accessTokenFormat 'jwt'). Its discovery document and JWKS are the
 * provider's own; formats.customizers.jwt adds the client's platform claims before signing.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const keys = options.keys ?? [await newSigningKey()];
  const ttl = options.tokenTtl ?? 600;
  const claimsOf = new Map(options.clients.map((client) => [client.clientId, client.claims]));
  const errors: string[] = [];
  // The port must be known before the Provider is made: the issuer URL is part of its configuration.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const configuration: Configuration = {
    jwks: { keys: keys.map((key) => ({ ...key })) },
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: '',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    formats: {
      customizers: {
        jwt: (_ctx, token, parts) => {
          Object.assign(parts.payload, claimsOf.get(token.clientId ?? '') ?? {});
        },
      },
    },
    ttl: { ClientCredentials: ttl },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, err: Error) => errors.push(err.stack ?? err.message));
  server.on('request', provider.callback());
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    issuer,
    port,
    keys,
    kid: keys[0]?.kid ?? '',
    errors: () => errors,
    stop,
    async token(clientId, resource) {
      const client = options.clients.find((c) => c.clientId === clientId);
      if (client === undefined) throw new Error(`no client ${clientId}`);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`oidc-provider's token endpoint: ${response.status} ${text}\n${errors.join('\n')}`);
      return (JSON.parse(text) as { access_token: string }).access_token;
    },
  };
}

let generation = 0;

/** A new RS256 private JWK with a kid that says which provider start made it. */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  generation += 1;
  return { ...(await exportJWK(privateKey)), kid: `oidc-provider-${generation}`, alg: 'RS256', use: 'sig' };
}

import type { IncomingMessage } from 'node:http';
import { Secret } from '../auth.js';
import { parseScopes } from '../authz/scope.js';
import { InvalidRequestError, UnsupportedGrantTypeError } from '../errors.js';
import type { TokenRequest } from '../grant/token-request.js';
import { parseBasicCredentials } from './basic-credentials.js';
import type { ClientAddress } from './client-ip.js';
import { readFormBody } from './form-body.js';
import { one, parseParams, type ParamSpec } from './params.js';

// docs/spec/auth/token.md: GET /auth?service=…&scope=…&account=…&client_id=…&offline_token=true
const GET_PARAMS: ParamSpec = { single: ['service', 'account', 'client_id', 'offline_token'], multi: ['scope'] };

// docs/spec/auth/oauth.md: POST form with grant_type, service, client_id, access_type, scope, and
// username/password or refresh_token.
const POST_PARAMS: ParamSpec = {
  single: ['grant_type', 'service', 'client_id', 'access_type', 'username', 'password', 'refresh_token', 'subject_token', 'subject_token_type', 'requested_token_type'],
  multi: ['scope'],
  raw: ['password'],
};

export function readGetRequest(req: IncomingMessage, client: ClientAddress): TokenRequest {
  const url = req.url ?? '';
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const params = parseParams(query, GET_PARAMS);
  const credentials = parseBasicCredentials(authorizationHeader(req));
  const account = one(params, 'account');
  if (account !== undefined && account !== (credentials?.username ?? '')) {
    throw new InvalidRequestError(
      credentials ? 'the account parameter differs from the Basic user name' : 'the account parameter needs matching Basic credentials',
    );
  }
  return {
    method: 'GET',
    grantType: credentials ? 'password' : 'anonymous',
    service: one(params, 'service'),
    scopes: parseScopes(params.get('scope') ?? []),
    presented: credentials === undefined ? undefined : { kind: 'password', ...credentials },
    clientId: one(params, 'client_id'),
    offline: flag(one(params, 'offline_token'), 'offline_token', { true: true, false: false }),
    ip: client.ip,
    throttleKey: client.throttleKey,
  };
}

/** The one Authorization header; two are a 400, since which one counts would be a guess. */
function authorizationHeader(req: IncomingMessage): string | undefined {
  const all = req.headersDistinct.authorization;
  if (all !== undefined && all.length > 1) throw new InvalidRequestError('the request has more than one Authorization header');
  return all?.[0];
}

export async function readPostRequest(req: IncomingMessage, client: ClientAddress): Promise<TokenRequest> {
  const params = parseParams(await readFormBody(req), POST_PARAMS);
  const grantType = one(params, 'grant_type');
  const common = {
    method: 'POST' as const,
    service: one(params, 'service'),
    scopes: parseScopes(params.get('scope') ?? []),
    clientId: one(params, 'client_id'),
    offline: flag(one(params, 'access_type'), 'access_type', { offline: true, online: false }),
    ip: client.ip,
    throttleKey: client.throttleKey,
  };
  if (grantType === 'password') {
    const username = one(params, 'username');
    const password = one(params, 'password');
    if (!username || password === undefined) throw new InvalidRequestError('grant_type=password needs username and password');
    return { ...common, grantType, presented: { kind: 'password', username, password: new Secret(password) } };
  }
  if (grantType === 'refresh_token') {
    const token = one(params, 'refresh_token');
    if (!token) throw new InvalidRequestError('grant_type=refresh_token needs refresh_token');
    return { ...common, grantType, presented: { kind: 'refresh_token', token: new Secret(token) } };
  }
  if (grantType === TOKEN_EXCHANGE) {
    // RFC 8693 section 2.1: a federated OIDC token exchanged for an access token and a refresh token.
    const token = one(params, 'subject_token');
    const type = one(params, 'subject_token_type');
    if (!token || !type) throw new InvalidRequestError('a token exchange needs subject_token and subject_token_type');
    if (!SUBJECT_TOKEN_TYPES.includes(type)) throw new InvalidRequestError(`subject_token_type must be ${SUBJECT_TOKEN_TYPES.join(' or ')}`);
    return { ...common, grantType: 'token_exchange', offline: true, presented: { kind: 'subject_token', token: new Secret(token), tokenType: type } };
  }
  if (grantType === undefined) throw new InvalidRequestError('grant_type is required (password, refresh_token or token exchange)');
  throw new UnsupportedGrantTypeError(`grant_type ${JSON.stringify(grantType.slice(0, 40))} is not supported; use password, refresh_token or ${TOKEN_EXCHANGE}`);
}

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const SUBJECT_TOKEN_TYPES = ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'];

function flag(value: string | undefined, name: string, meanings: Readonly<Record<string, boolean>>): boolean {
  if (value === undefined) return false;
  const meaning = Object.hasOwn(meanings, value) ? meanings[value] : undefined;
  if (meaning === undefined) throw new InvalidRequestError(`${name} must be ${Object.keys(meanings).join(' or ')}`);
  return meaning;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatScope } from '../authz/scope.js';
import { AuthenticationError, BusyError, ClientAbortedError, MethodNotAllowedError, PurserError, ThrottledError } from '../errors.js';
import { auditAccount } from '../observe/audit-account.js';
import { issueToken } from '../grant/issue-token.js';
import type { GrantTrace, TokenGrant, TokenRequest } from '../grant/token-request.js';
import { describeDecisions, type AuditEvent } from '../observe/audit.js';
import type { AppDeps } from '../app.js';
import { clientAddress } from './client-ip.js';
import { corsHeaders, isPreflight, preflightHeaders } from './cors.js';
import { errorAnswer } from './error-answer.js';
import { readGetRequest, readPostRequest } from './read-token-request.js';
import { getResponseBody, postResponseBody } from './token-response.js';

/**
 * GET /auth (token.md) and POST /auth (oauth.md), served straight from node:http: this is the path
 * every pull and push takes, and Express's routing cost about a quarter of the throughput here.
 * Both methods read the configuration once, parse the request into a TokenRequest, run the same
 * grant, and leave exactly one audit event and one metric sample behind, whatever the outcome.
 */
export function tokenEndpoint(deps: AppDeps, securityHeaders: Readonly<Record<string, string>>) {
  // Raw header pairs, built once; each answer adds only its own.
  const base = Object.entries({
    ...securityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  }).flat();
  const send = (res: ServerResponse, status: number, body: string, extra?: Readonly<Record<string, string>>): void => {
    const headers = [...base, 'Content-Length', String(Buffer.byteLength(body))];
    if (extra !== undefined) headers.push(...Object.entries(extra).flat());
    const cors = deps.store.current().settings.corsOrigins;
    if (cors.length > 0) headers.push(...Object.entries(corsHeaders(res.req, cors)).flat());
    res.writeHead(status, headers);
    res.end(body);
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (isPreflight(req)) {
      const allowed = preflightHeaders(req, deps.store.current().settings.corsOrigins);
      const body = allowed === undefined ? JSON.stringify({ errors: [{ code: 'DENIED', message: 'this origin may not call /auth (PURSER_CORS_ORIGINS)' }] }) : '';
      res.writeHead(allowed === undefined ? 403 : 204, [...base, 'Content-Length', String(Buffer.byteLength(body)), ...Object.entries(allowed ?? { Vary: 'Origin' }).flat()]);
      res.end(body);
      return;
    }
    handle(deps, req, res, send).catch((err: unknown) => {
      deps.logger.error({ err }, 'failed to answer a token request');
      res.destroy();
    });
  };
}

type Send = (res: ServerResponse, status: number, body: string, extra?: Readonly<Record<string, string>>) => void;

async function handle(deps: AppDeps, req: IncomingMessage, res: ServerResponse, send: Send): Promise<void> {
  const started = process.hrtime.bigint();
  const snapshot = deps.store.current();
  const method = req.method === 'POST' ? 'POST' : 'GET';
  const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], snapshot.settings.trustedProxies);
  const ip = client.ip;
  const trace: GrantTrace = {};
  let request: TokenRequest | undefined;
  let grant: TokenGrant | undefined;
  let failure: unknown;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw new MethodNotAllowedError('GET, POST');
    request = method === 'GET' ? readGetRequest(req, client) : await readPostRequest(req, client);
    grant = await issueToken(request, snapshot, deps.grant, trace);
    send(res, 200, JSON.stringify(method === 'GET' ? getResponseBody(grant) : postResponseBody(grant, request.grantType === 'token_exchange')));
  } catch (err) {
    failure = err;
    if (err instanceof ClientAbortedError || res.destroyed) {
      res.destroy();
      return;
    }
    const answer = errorAnswer(err, method === 'POST' ? 'oauth' : 'registry', snapshot.settings.issuer, deps.logger, '/auth');
    // An unread request body (a refused POST) must not be taken for the next request.
    const close: Record<string, string> = method === 'POST' && !req.readableEnded ? { Connection: 'close' } : {};
    send(res, answer.status, answer.body, { ...answer.headers, ...close });
  } finally {
    record(deps, { method: req.method ?? 'GET', ip, request, trace, grant, failure, started });
  }
}

function record(
  deps: AppDeps,
  done: {
    method: string;
    ip: string | undefined;
    request: TokenRequest | undefined;
    trace: GrantTrace;
    grant: TokenGrant | undefined;
    failure: unknown;
    started: bigint;
  },
): void {
  const seconds = Number(process.hrtime.bigint() - done.started) / 1e9;
  const grantType = done.request?.grantType ?? 'unknown';
  const outcome = outcomeOf(done.grant, done.failure);
  const source = done.grant?.identity.source ?? 'none';
  deps.metrics.tokenRequests.inc({ outcome, grant_type: grantType, source });
  if (done.trace.reused === true) deps.metrics.grantReuse.inc();
  deps.metrics.tokenRequestDuration.observe({ grant_type: grantType }, seconds);
  const presented = done.request?.presented;
  // An established identity's account is trusted; a name a client merely presented may be a secret.
  const account = done.grant?.identity.account ?? done.trace.account ?? (presented?.kind === 'password' ? presented.username : undefined);
  const event: AuditEvent = {
    ip: done.ip,
    account: account === undefined || done.grant !== undefined ? account : auditAccount(account),
    source: done.grant === undefined ? undefined : source,
    credential: presented?.kind ?? 'none',
    ...(done.trace.identityAudit === undefined ? {} : { identity: done.trace.identityAudit }),
    service: done.trace.service ?? done.request?.service,
    clientId: done.request?.clientId,
    method: done.method,
    grantType,
    outcome,
    status: done.failure === undefined ? 200 : done.failure instanceof PurserError ? done.failure.status : 500,
    requested: (done.request?.scopes ?? []).map((scope) => formatScope(scope)),
    ...describeDecisions(done.trace.decisions ?? []),
    ...(done.trace.failure === undefined ? {} : { reason: done.trace.failure }),
    ...(done.failure instanceof PurserError && !(done.failure instanceof AuthenticationError) ? { reason: done.failure.message } : {}),
    ...(done.trace.jti === undefined ? {} : { jti: done.trace.jti }),
    ...(done.trace.reused === true ? { reused: true as const } : {}),
    refreshToken: done.grant?.refreshToken !== undefined,
    latencyMs: Math.round(seconds * 1e5) / 100,
  };
  deps.audit(event);
}

function outcomeOf(grant: TokenGrant | undefined, failure: unknown): AuditEvent['outcome'] {
  if (grant !== undefined) {
    const deniedAll = grant.decisions.length > 0 && grant.decisions.every((decision) => decision.granted.length === 0);
    return deniedAll ? 'denied_all' : 'granted';
  }
  if (failure instanceof AuthenticationError) return 'failed';
  if (failure instanceof ThrottledError) return 'throttled';
  if (failure instanceof BusyError) return 'busy';
  if (failure instanceof ClientAbortedError) return 'aborted';
  if (failure instanceof PurserError) return 'invalid';
  return 'error';
}

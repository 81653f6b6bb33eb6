import type { IncomingMessage } from 'node:http';

/**
 * CORS for browser front ends of a registry served from another origin (PURSER_CORS_ORIGINS).
 * Only exactly listed origins get an answer they can read, with credentials; anything else gets
 * no CORS headers at all, so the browser keeps the response from the page.
 */
export function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> {
  if (allowed.length === 0) return {};
  const origin = req.headers.origin;
  if (origin === undefined || !allowed.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After',
    Vary: 'Origin',
  };
}

/** The extra headers of an answer to a preflight (`OPTIONS` with Access-Control-Request-Method). */
export function preflightHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> | undefined {
  const base = corsHeaders(req, allowed);
  if (base['Access-Control-Allow-Origin'] === undefined) return undefined;
  return { ...base, 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '600' };
}

export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

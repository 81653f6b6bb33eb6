export interface TokenRequest {
  /** purser's base URL. */
  readonly purserUrl: string;
  /** e.g. "registry:catalog:*" or "repository:alice/app:pull". */
  readonly scope: string;
  /** Basic credentials; omitted means anonymous. */
  readonly user?: string;
  readonly password?: string;
  readonly service?: string;
}

/** GET /auth on purser the way a Docker client does; fails the test unless purser answers 200. */
export async function fetchToken(request: TokenRequest): Promise<string> {
  const url = new URL('/auth', request.purserUrl);
  url.searchParams.set('service', request.service ?? 'Docker registry');
  url.searchParams.set('scope', request.scope);
  const headers: Record<string, string> = {};
  if (request.user !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${request.user}:${request.password ?? ''}`).toString('base64')}`;
  }
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} as ${request.user ?? 'anonymous'}: ${response.status} ${text}`);
  const body = JSON.parse(text) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error(`GET ${url}: no token in ${text}`);
  return body.token;
}

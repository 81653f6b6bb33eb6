import helmet from 'helmet';

/**
 * The response headers every answer carries, decided by helmet once at start: an API serves no
 * pages, so nothing may be loaded or framed, and HSTS is sent only when purser serves TLS itself
 * (on plain HTTP it would pin browsers to an HTTPS port that is not there). Computing them once
 * keeps helmet's policy without running its middleware on every token request.
 */
export function securityHeaders(tls: boolean): Readonly<Record<string, string>> {
  const middleware = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    strictTransportSecurity: tls ? { maxAge: 31_536_000 } : false,
  });
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  let done = false;
  middleware({ method: 'GET', headers: {}, url: '/' } as never, response as never, () => {
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  return Object.freeze(headers);
}

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The request target exactly as the client sent it: path and query string. */
  readonly url: string;
}

export interface RecordingProxy {
  /** http://127.0.0.1:PORT: use it where the client would use `target`. */
  readonly url: string;
  /** Every request seen so far, in order. */
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * A plain HTTP reverse proxy on loopback that forwards every request to `target` unchanged and
 * remembers its request line. purser's audit events say what it understood (account, client id,
 * grant type); this shows what the client actually put in the query string.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`recording proxy: ${err.message}\n`);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { createServer, type Server } from 'node:http';

/**
 * PURSER_METRICS_LISTEN: /metrics on a listener of its own, so that the token port can face
 * clients while the metrics stay on an internal address. Nothing else is served there.
 */
export function createMetricsServer(metricsText: () => Promise<{ contentType: string; body: string }>): Server {
  return createServer({ maxHeaderSize: 8 * 1024, requestTimeout: 10_000 }, (req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: 'only GET /metrics is served here' }] }));
      return;
    }
    metricsText().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        res.end(body);
      },
      () => {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('# metrics unavailable\n');
      },
    );
  });
}

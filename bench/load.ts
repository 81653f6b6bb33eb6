import autocannon from 'autocannon';

/** One request of a scenario: path and query, and headers (Authorization, if any). */
export interface BenchRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Where a scenario's requests come from. A fixed request is built once by autocannon; a varying one
 * (`next`) is asked for before every request sent.
 */
export type RequestSource = { readonly fixed: BenchRequest } | { readonly next: () => BenchRequest };

export interface LoadResult {
  readonly seconds: number;
  /** Responses with status 2xx: tokens issued. */
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly tokensPerSecond: number;
  /** Response latency in milliseconds. */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** CPU seconds this (the load generator's) process used meanwhile. */
  readonly loadCpuSeconds: number;
}

/** Drives `url` with `connections` keep-alive connections for `seconds` (closed loop, one request in flight each). */
export async function runLoad(url: string, source: RequestSource, connections: number, seconds: number): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const common = { url, connections, duration: seconds, pipelining: 1, timeout: 30 };
  const result =
    'fixed' in source
      ? await autocannon({ ...common, url: url + source.fixed.path, headers: { ...source.fixed.headers } })
      : await autocannon({
          ...common,
          requests: [
            {
              setupRequest: (request) => {
                const next = source.next();
                return { ...request, path: next.path, headers: { ...request.headers, ...next.headers } };
              },
            },
          ],
        });
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    seconds: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    tokensPerSecond: result['2xx'] / result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

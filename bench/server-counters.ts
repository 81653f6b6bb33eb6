/** The counters of purser's /metrics the benchmark reports, to show what the server really did. */
export interface ServerCounters {
  /** Verified-credential cache lookups that skipped bcrypt. */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** bcrypt comparisons run. */
  readonly bcryptRuns: number;
  /** Token requests by outcome (granted, denied_all, failed, ...). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/** Reads /metrics; a failure is reported as a string instead of failing the scenario. */
export async function readServerCounters(url: string): Promise<ServerCounters | string> {
  let text: string;
  try {
    const res = await fetch(`${url}/metrics`);
    text = await res.text();
    if (res.status !== 200) return `GET /metrics answered ${res.status}`;
  } catch (err) {
    return `GET /metrics failed: ${(err as Error).message}`;
  }
  let cacheHits = 0;
  let cacheMisses = 0;
  let bcryptRuns = 0;
  const outcomes: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    const n = Number(value);
    if (name === 'purser_credential_cache_total') {
      if (labels.includes('result="hit"')) cacheHits += n;
      else if (labels.includes('result="miss"')) cacheMisses += n;
    } else if (name === 'purser_password_verification_seconds_count') {
      bcryptRuns += n;
    } else if (name === 'purser_token_requests_total') {
      const outcome = /outcome="([^"]*)"/.exec(labels)?.[1] ?? 'unknown';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
    }
  }
  return { cacheHits, cacheMisses, bcryptRuns, outcomes };
}

/** What happened between two readings, or why it is not known. */
export function countersSince(before: ServerCounters | string, after: ServerCounters | string): ServerCounters | string {
  if (typeof before === 'string') return before;
  if (typeof after === 'string') return after;
  const outcomes: Record<string, number> = {};
  for (const [outcome, n] of Object.entries(after.outcomes)) outcomes[outcome] = n - (before.outcomes[outcome] ?? 0);
  return {
    cacheHits: after.cacheHits - before.cacheHits,
    cacheMisses: after.cacheMisses - before.cacheMisses,
    bcryptRuns: after.bcryptRuns - before.bcryptRuns,
    outcomes,
  };
}

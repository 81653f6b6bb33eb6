import pino, { type Logger } from 'pino';
import type { Decision } from '../auth.js';
import { formatScope } from '../authz/scope.js';

/**
 * One audit event per token request: who asked for what from where, what was granted and which rule
 * decided each scope. Never a password, an Authorization header or a whole token (the `jti` is enough
 * to find a token in registry logs).
 */
export interface AuditEvent {
  readonly ip: string | undefined;
  readonly account: string | undefined;
  /** The identity source that proved the account (`htpasswd`, `api-token`, ...), when one did. */
  readonly source: string | undefined;
  /** What the client presented: password, refresh_token, or none. */
  readonly credential: string;
  /** Source-specific fields of the identity: an API token's id and name, an issuer's subject. */
  readonly identity?: Readonly<Record<string, string>>;
  readonly service: string | undefined;
  readonly clientId: string | undefined;
  readonly method: string;
  readonly grantType: string;
  readonly outcome: 'granted' | 'denied_all' | 'failed' | 'throttled' | 'busy' | 'invalid' | 'aborted' | 'error';
  readonly status: number;
  readonly requested: readonly string[];
  readonly granted: readonly string[];
  readonly decisions: ReadonlyArray<{ readonly scope: string; readonly rule: number | null; readonly comment?: string; readonly capped?: true }>;
  readonly reason?: string;
  readonly jti?: string;
  /** The access token was shared with an identical grant (PURSER_GRANT_REUSE): same jti. */
  readonly reused?: true;
  readonly refreshToken: boolean;
  readonly latencyMs: number;
}

export type AuditSink = (event: AuditEvent) => void;

export interface AuditLog {
  readonly sink: AuditSink;
  /** Writes what is buffered (waiting at most `timeoutMs`) and closes the file. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Audit events go to the main log (with `audit: true`), or to their own file if PURSER_AUDIT_LOG is
 * set. Either way the logger stamps each line with its ISO time. The file is written in batches of
 * up to 8 KiB, and at least every second: one write per token request would wake a thread of the
 * pool that signs tokens. A file that cannot be written (a full disk) never stops the server: the
 * error is logged once a minute and counted, writing is retried as new events come, at most 64 MiB
 * wait in memory (what does not fit is dropped and counted), and shutdown does not wait for it.
 */
export function createAuditLog(
  logger: Logger,
  file: string | undefined,
  counters: { onDrop?: (lines: number) => void; onError?: () => void } = {},
): AuditLog {
  if (file === undefined) return { sink: (event) => logger.info({ audit: true, ...event }, 'token request'), close: async () => {} };
  const destination = pino.destination({ dest: file, append: true, sync: false, minLength: 8192, periodicFlush: 1000, maxLength: 64 * 1024 * 1024 });
  let lastDropWarning = 0;
  let lastErrorWarning = 0;
  destination.on('drop', (data: string) => {
    const lines = data.split('\n').filter(Boolean).length;
    counters.onDrop?.(lines);
    if (Date.now() - lastDropWarning > 60_000) {
      lastDropWarning = Date.now();
      logger.error({ file, lines }, 'the audit file cannot keep up (disk full or stalled?): audit lines are being dropped');
    }
  });
  destination.on('error', (err: Error) => {
    counters.onError?.();
    if (Date.now() - lastErrorWarning > 60_000) {
      lastErrorWarning = Date.now();
      logger.error({ file, err: err.message }, 'cannot write the audit file; audit lines wait in memory (up to 64 MiB) and writing is retried');
    }
  });
  const target = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    sink: (event) => target.info({ audit: true, ...event }, 'token request'),
    close: (timeoutMs = 2000) =>
      new Promise<void>((resolve) => {
        // A destroyed stream is skipped by pino's exit hook, whose synchronous flush would spin
        // forever on a file that keeps failing (sonic-boom retries every write error there).
        const timer = setTimeout(() => {
          destination.destroy();
          resolve();
        }, timeoutMs);
        destination.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        destination.end();
      }),
  };
}

export function describeDecisions(decisions: readonly Decision[]): Pick<AuditEvent, 'granted' | 'decisions'> {
  return {
    granted: decisions.filter((d) => d.granted.length > 0).map((d) => formatScope(d.scope, d.granted)),
    decisions: decisions.map((d) => ({
      scope: formatScope(d.scope),
      rule: d.rule?.index ?? null,
      ...(d.rule?.comment === undefined ? {} : { comment: d.rule.comment }),
      ...(d.capped === true ? { capped: true as const } : {}),
    })),
  };
}

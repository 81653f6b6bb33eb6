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
  readonly service: string | undefined;
  readonly clientId: string | undefined;
  readonly method: string;
  readonly grantType: string;
  readonly outcome: 'granted' | 'denied_all' | 'failed' | 'throttled' | 'invalid' | 'error';
  readonly status: number;
  readonly requested: readonly string[];
  readonly granted: readonly string[];
  readonly decisions: ReadonlyArray<{ readonly scope: string; readonly rule: number | null; readonly comment?: string }>;
  readonly reason?: string;
  readonly jti?: string;
  readonly refreshToken: boolean;
  readonly latencyMs: number;
}

export type AuditSink = (event: AuditEvent) => void;

/**
 * Audit events go to the main log (with `audit: true`), or to their own file if PURSER_AUDIT_LOG is
 * set. Either way the logger stamps each line with its ISO time. The file is written in batches of
 * up to 8 KiB, and at least every second: one write per token request would wake a thread of the
 * pool that signs tokens. If the disk stalls, at most 64 MiB wait in memory; lines beyond that are
 * dropped, counted in purser_audit_lines_dropped_total and reported in the main log, rather than
 * growing the process until it dies.
 */
export function createAuditSink(logger: Logger, file: string | undefined, onDrop: (lines: number) => void = () => {}): AuditSink {
  if (file === undefined) return (event) => logger.info({ audit: true, ...event }, 'token request');
  const destination = pino.destination({ dest: file, append: true, sync: false, minLength: 8192, periodicFlush: 1000, maxLength: 64 * 1024 * 1024 });
  let lastWarning = 0;
  destination.on('drop', (data: string) => {
    const lines = data.split('\n').filter(Boolean).length;
    onDrop(lines);
    if (Date.now() - lastWarning > 60_000) {
      lastWarning = Date.now();
      logger.error({ file, lines }, 'the audit file cannot keep up (disk full or stalled?): audit lines are being dropped');
    }
  });
  const target = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return (event) => target.info({ audit: true, ...event }, 'token request');
}

export function describeDecisions(decisions: readonly Decision[]): Pick<AuditEvent, 'granted' | 'decisions'> {
  return {
    granted: decisions.filter((d) => d.granted.length > 0).map((d) => formatScope(d.scope, d.granted)),
    decisions: decisions.map((d) => ({
      scope: formatScope(d.scope),
      rule: d.rule?.index ?? null,
      ...(d.rule?.comment === undefined ? {} : { comment: d.rule.comment }),
    })),
  };
}

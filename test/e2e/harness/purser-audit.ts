import { setTimeout as sleep } from 'node:timers/promises';

export interface AuditEvent {
  /** purser's process id (pino's): the same across events means no restart in between. */
  readonly pid: number;
  readonly method: string;
  readonly grantType: string;
  readonly outcome: string;
  readonly credential?: string;
  readonly clientId?: string;
  readonly account?: string;
  readonly source?: string;
  readonly reason?: string;
  readonly identity?: Readonly<Record<string, string>>;
  readonly granted?: readonly string[];
  readonly refreshToken?: boolean;
}

/**
 * Where purser's output ends, once it has stopped growing for 150 ms (the audit events of
 * requests already answered may still be in the pipe): pass it to auditSince to see only what follows.
 */
export async function outputMark(purser: { output(): string }): Promise<number> {
  let length = purser.output().length;
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    if (purser.output().length === length) break;
    length = purser.output().length;
  }
  return length;
}

/** purser's audit events (one per token request, in its log) printed after `mark`. */
export function auditSince(purser: { output(): string }, mark = 0): AuditEvent[] {
  return purser
    .output()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"audit":true') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as AuditEvent);
}

/**
 * The first audit event after `mark` that `match` accepts. purser's output arrives through a pipe,
 * so an event may lag the HTTP answer by a moment; fails after 5 s with the events seen.
 */
export async function waitForAudit(purser: { output(): string }, mark: number, match: (event: AuditEvent) => boolean): Promise<AuditEvent> {
  for (let i = 0; i < 50; i++) {
    const found = auditSince(purser, mark).find(match);
    if (found !== undefined) return found;
    await sleep(100);
  }
  throw new Error(`no matching audit event; purser logged:\n${JSON.stringify(auditSince(purser, mark), null, 2)}`);
}

/** One result of `purser doctor`. */
export interface Finding {
  readonly level: 'ok' | 'warn' | 'error';
  readonly what: string;
  /** What the registry or a client would log, when that helps to recognise the problem. */
  readonly says?: string;
  readonly fix?: string;
}

export const ok = (what: string): Finding => ({ level: 'ok', what });

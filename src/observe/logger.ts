import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one line per event. Headers and bodies are never logged; the redaction list
 * is a second line of defence in case a field with a secret is ever added by mistake.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['password', '*.password', 'authorization', '*.authorization', 'refresh_token', '*.refresh_token', 'token', '*.token'],
        censor: '***',
      },
    },
    destination,
  );
}

import { AuthenticationError, InvalidRequestError, PurserError } from '../errors.js';
import type { Logger } from '../observe/logger.js';

/** A response to send: status, extra headers and a JSON body. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** OAuth2 errors (RFC 6749 section 5.2) for POST /auth; the registry's error shape elsewhere. */
export type ErrorStyle = 'oauth' | 'registry';

/**
 * The one place errors become responses. A PurserError's status and public message are safe to
 * show; its detail and anything unexpected go only to the log, and the client gets a plain 500.
 * The registry's `{"errors":[{"code","message"}]}` shape is what docker and containers/image print.
 */
export function errorAnswer(err: unknown, style: ErrorStyle, realm: string, logger: Logger, path: string): Answer {
  const error = asPurserError(err);
  if (error === undefined) {
    logger.error({ err, path }, 'unexpected error while serving a request');
  } else if (error.detail !== undefined) {
    logger.debug({ code: error.code, detail: error.detail, path }, error.message);
  }
  const status = error?.status ?? 500;
  const message = error?.message ?? 'internal error';
  const headers: Record<string, string> = { ...(error?.headers() ?? {}) };
  if (error instanceof AuthenticationError && style === 'registry') {
    headers['WWW-Authenticate'] = `Basic realm="${realm.replace(/["\\]/g, '\\$&')}"`;
  }
  const body =
    style === 'oauth'
      ? JSON.stringify({ error: error?.oauthError ?? 'server_error', error_description: message })
      : JSON.stringify({ errors: [{ code: error?.registryCode ?? 'INTERNAL', message }] });
  return { status, headers, body };
}

/** Errors from Express itself (a malformed path, say) carry a 4xx status; keep them 4xx. */
function asPurserError(err: unknown): PurserError | undefined {
  if (err instanceof PurserError) return err;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new InvalidRequestError('malformed request', (err as Error).message);
  }
  return undefined;
}

import type { NextFunction, Request, Response } from 'express';
import { AuthenticationError, InvalidRequestError, PurserError } from '../errors.js';
import type { Logger } from '../observe/logger.js';

/**
 * The one place errors become responses. A PurserError's status and public message are safe to
 * show; its detail and anything unexpected go only to the log, and the client gets a plain 500.
 * POST /auth answers in OAuth2 shape (RFC 6749 section 5.2); everything else in the registry's
 * `{"errors":[{"code","message"}]}` shape, which docker and containers/image print as is.
 */
export function errorHandler(logger: Logger, realm: () => string) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = asPurserError(err);
    if (error === undefined) {
      logger.error({ err, method: req.method, path: req.path }, 'unexpected error while serving a request');
    } else if (error.detail !== undefined) {
      logger.debug({ code: error.code, detail: error.detail, path: req.path }, error.message);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = error?.status ?? 500;
    const message = error?.message ?? 'internal error';
    res.status(status);
    for (const [name, value] of Object.entries(error?.headers() ?? {})) res.set(name, value);
    if (error instanceof AuthenticationError && res.locals.errorStyle !== 'oauth') {
      res.set('WWW-Authenticate', `Basic realm="${realm().replace(/["\\]/g, '\\$&')}"`);
    }
    if (res.locals.errorStyle === 'oauth') {
      res.json({ error: error?.oauthError ?? 'server_error', error_description: message });
    } else {
      res.json({ errors: [{ code: error?.registryCode ?? 'INTERNAL', message }] });
    }
  };
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

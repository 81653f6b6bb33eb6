// Typed errors with stable codes. Each HTTP error knows its status, its public message and its
// OAuth2 `error` value (RFC 6749 section 5.2); src/http/error-handler.ts renders them in one place.
// Detail meant only for the log goes in `detail`, never into the response.

export abstract class PurserError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** The OAuth2 `error` value used by POST /auth. */
  abstract readonly oauthError: string;
  /** Registry-style error code used by GET /auth bodies (`{"errors":[{"code":...}]}`). */
  abstract readonly registryCode: string;
  readonly detail: string | undefined;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = new.target.name;
    this.detail = detail;
  }

  /** Extra response headers, such as Retry-After. */
  headers(): Record<string, string> {
    return {};
  }
}

export class InvalidRequestError extends PurserError {
  readonly code = 'ERR_INVALID_REQUEST';
  readonly status = 400;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'INVALID_REQUEST';
}

export class InvalidScopeError extends PurserError {
  readonly code = 'ERR_INVALID_SCOPE';
  readonly status = 400;
  readonly oauthError = 'invalid_scope';
  readonly registryCode = 'INVALID_SCOPE';
}

export class UnknownServiceError extends PurserError {
  readonly code = 'ERR_UNKNOWN_SERVICE';
  readonly status = 400;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'UNKNOWN_SERVICE';
}

export class UnsupportedGrantTypeError extends PurserError {
  readonly code = 'ERR_UNSUPPORTED_GRANT_TYPE';
  readonly status = 400;
  readonly oauthError = 'unsupported_grant_type';
  readonly registryCode = 'UNSUPPORTED';
}

/**
 * Every credential failure, whatever its cause, becomes this one error with one message, so an
 * unknown user, a wrong password and a revoked refresh token look the same from outside.
 */
export class AuthenticationError extends PurserError {
  readonly code = 'ERR_AUTHENTICATION_FAILED';
  readonly status = 401;
  readonly oauthError = 'invalid_grant';
  readonly registryCode = 'UNAUTHORIZED';
  constructor(detail?: string) {
    super('authentication failed', detail);
  }
}

export class ThrottledError extends PurserError {
  readonly code = 'ERR_THROTTLED';
  readonly status = 429;
  readonly oauthError = 'slow_down';
  readonly registryCode = 'TOOMANYREQUESTS';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, detail?: string) {
    super(`too many failed logins; retry in ${retryAfterSeconds} s`, detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** The server is too busy to check a credential now (the password-check queue is full): 503 + Retry-After. */
export class BusyError extends PurserError {
  readonly code = 'ERR_BUSY';
  readonly status = 503;
  readonly oauthError = 'temporarily_unavailable';
  readonly registryCode = 'UNAVAILABLE';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, detail?: string) {
    super(`too many logins are being checked; retry in ${retryAfterSeconds} s`, detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** The client went away before its request arrived whole; nothing is sent, and it is not a server error. */
export class ClientAbortedError extends PurserError {
  readonly code = 'ERR_CLIENT_ABORTED';
  // nginx's "client closed request": never sent, only recorded.
  readonly status = 499;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'INVALID_REQUEST';
  constructor() {
    super('the client closed the connection before the request was complete');
  }
}

export class PayloadTooLargeError extends PurserError {
  readonly code = 'ERR_PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'SIZE_INVALID';
}

export class UnsupportedMediaTypeError extends PurserError {
  readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'UNSUPPORTED';
}

export class NotFoundError extends PurserError {
  readonly code = 'ERR_NOT_FOUND';
  readonly status = 404;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'NOT_FOUND';
}

export class MethodNotAllowedError extends PurserError {
  readonly code = 'ERR_METHOD_NOT_ALLOWED';
  readonly status = 405;
  readonly oauthError = 'invalid_request';
  readonly registryCode = 'UNSUPPORTED';
  readonly allow: string;
  constructor(allow: string) {
    super(`method not allowed; use ${allow}`);
    this.allow = allow;
  }
  override headers(): Record<string, string> {
    return { Allow: this.allow };
  }
}

/**
 * A regular expression that the linear-time engine cannot compile: bad syntax, or a construct RE2
 * leaves out because it needs backtracking (backreferences, lookaround). A load-time error; the
 * ACL compiler turns its message into a ConfigIssue with the file, rule and field.
 */
export class RegexSyntaxError extends Error {
  readonly code = 'ERR_REGEX_SYNTAX';
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

/** One problem in a configuration file, located as precisely as the parser allows. */
export interface ConfigIssue {
  readonly file: string;
  /** Where in the document, e.g. `acl[3].match.acount`; "" for the whole file. */
  readonly path: string;
  /** 1-based line, when known. */
  readonly line?: number;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** A configuration that cannot be used: the server does not start, or a reload is refused. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  static single(file: string, message: string, path = '', line?: number): ConfigError {
    return new ConfigError([line === undefined ? { file, path, message } : { file, path, line, message }]);
  }
}

import { UnknownServiceError } from '../errors.js';

/**
 * The service a token is for becomes its audience, so only services purser was told about
 * (PURSER_SERVICE) are accepted. A request naming none gets the first one.
 */
export function resolveService(requested: string | undefined, accepted: readonly string[]): string {
  if (requested === undefined) return accepted[0] as string;
  if (accepted.includes(requested)) return requested;
  throw new UnknownServiceError(
    `unknown service ${JSON.stringify(requested.slice(0, 100))}; this server issues tokens for ${accepted
      .map((s) => JSON.stringify(s))
      .join(', ')}`,
  );
}

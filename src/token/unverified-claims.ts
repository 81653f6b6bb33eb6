const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A JWT's claims read without checking its signature: for what a token says about itself (its
 * `exp`, its `iss`) before anything trusts it, never as proof. undefined when the text is not a
 * JWS compact serialization (RFC 7515 section 7.1) whose payload is a JSON object.
 */
export function unverifiedClaims(token: string): Readonly<Record<string, unknown>> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !BASE64URL.test(parts[0] ?? '') || !BASE64URL.test(parts[1] ?? '')) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
}

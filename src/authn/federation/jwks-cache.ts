import type { JSONWebKeySet } from 'jose';
import { allowedIssuerUrl } from './trusted-issuer.js';

export interface JwksCacheOptions {
  /** How long a fetched key set is used before it is fetched again. */
  readonly ttlMs?: number;
  /** The least time between two fetches of one issuer's keys (an unknown `kid` asks for one). */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly onFetchError?: (issuer: string, error: Error) => void;
}

interface Held {
  keys: JSONWebKeySet | undefined;
  fetchedAt: number;
  /** When the last fetch was tried, successful or not. */
  triedAt: number;
  inFlight: Promise<void> | undefined;
}

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * Each trusted issuer's signing keys, read from its `jwks_uri` (given, or found by OIDC discovery
 * at `<issuer>/.well-known/openid-configuration`) over HTTPS, or HTTP for issuers on this machine.
 * A key set is kept for `ttlMs`; a token signed with a key it does not hold asks for a fresh one,
 * at most once per `cooldownMs` per issuer (so forged `kid`s cannot make purser hammer the
 * issuer); a failed fetch keeps the last good set. An issuer that cannot be reached affects no other.
 */
export class JwksCache {
  readonly #held = new Map<string, Held>();
  readonly #ttlMs: number;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onFetchError: ((issuer: string, error: Error) => void) | undefined;

  constructor(options: JwksCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#cooldownMs = options.cooldownMs ?? 5_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#now = options.now ?? Date.now;
    this.#onFetchError = options.onFetchError;
  }

  /** The issuer's key set, fetched if it has none or it is stale; `refresh` asks for a fresh one (an unknown kid). */
  async keys(issuer: string, jwksUri: string | undefined, refresh = false): Promise<JSONWebKeySet | undefined> {
    const id = `${issuer}\0${jwksUri ?? ''}`;
    let held = this.#held.get(id);
    if (held === undefined) {
      held = { keys: undefined, fetchedAt: 0, triedAt: 0, inFlight: undefined };
      this.#held.set(id, held);
    }
    const now = this.#now();
    const stale = held.keys === undefined || now - held.fetchedAt > this.#ttlMs || refresh;
    if (stale && (held.inFlight !== undefined || now - held.triedAt >= this.#cooldownMs)) {
      held.inFlight ??= this.#fetch(held, issuer, jwksUri).finally(() => {
        (held as Held).inFlight = undefined;
      });
      await held.inFlight;
    }
    return held.keys;
  }

  /** Fetches the keys of these issuers in the background, so the first login does not wait. */
  warm(issuers: ReadonlyArray<{ readonly issuer: string; readonly jwksUri: string | undefined }>): void {
    for (const { issuer, jwksUri } of issuers) void this.keys(issuer, jwksUri).catch(() => {});
  }

  async #fetch(held: Held, issuer: string, jwksUri: string | undefined): Promise<void> {
    held.triedAt = this.#now();
    try {
      const uri = jwksUri ?? (await this.#discover(issuer));
      const document = await this.#json(uri);
      if (document === null || typeof document !== 'object' || !Array.isArray((document as { keys?: unknown }).keys)) {
        throw new Error(`${uri} is not a JWKS document`);
      }
      held.keys = document as JSONWebKeySet;
      held.fetchedAt = this.#now();
    } catch (err) {
      this.#onFetchError?.(issuer, err as Error);
    }
  }

  async #discover(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const config = (await this.#json(url)) as { issuer?: unknown; jwks_uri?: unknown } | null;
    // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was asked for.
    if (config?.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(config?.issuer)}, not ${JSON.stringify(issuer)}`);
    if (typeof config.jwks_uri !== 'string' || !allowedIssuerUrl(config.jwks_uri)) throw new Error(`${url} has no usable jwks_uri`);
    return config.jwks_uri;
  }

  async #json(url: string): Promise<unknown> {
    if (!allowedIssuerUrl(url)) throw new Error(`${url}: only https:// (or http:// on this machine)`);
    const response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), redirect: 'error', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return JSON.parse(text) as unknown;
  }
}

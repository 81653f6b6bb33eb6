import { failed, type Binding, type Identity, type Presented, type Secret, type SourceAnswer } from '../auth.js';
import { mergeLabels } from '../authz/labels.js';
import type { Clock } from '../clock.js';
import type { Snapshot } from '../config/snapshot.js';
import type { Throttle } from '../throttle/throttle.js';
import type { IdentitySource, SourceContext } from './identity-source.js';
import type { PasswordVerifier } from './password-verifier.js';
import { RecentFailures } from './recent-failures.js';

export interface ChainRequest {
  readonly snapshot: Snapshot;
  readonly service: string;
  /** The client's address, when known: for ACL rules. */
  readonly ip: string | undefined;
  /** What the throttle counts the client under (its address, or a key for clients of unknown address). */
  readonly throttleKey: string;
}

export type ChainOutcome =
  | { readonly ok: true; readonly identity: Identity; readonly reuse?: Secret }
  | { readonly ok: false; readonly reason: string; readonly account: string; readonly audit?: Readonly<Record<string, string>> };

export interface ChainDeps {
  readonly clock: Clock;
  readonly throttle: Throttle;
  /** Checks a password no source claimed, at the cost of a real check. */
  readonly verifier: PasswordVerifier;
}

/**
 * Asks each identity source in turn; the first that does not answer "not mine" decides. Every
 * failure, whoever found it, is one outcome with one response. A password that no source claims
 * is checked against a dummy hash, so an unknown name costs what a wrong password costs.
 * Only checks that could be guesses (a source's guard) count against the throttle: a failed API,
 * refresh or federated token cannot be guessed, and counting it would only let a client retrying a
 * revoked token lock out the password users behind its address. The identity gets acl.yml's groups merged into its labels.
 */
export class IdentityChain {
  readonly #sources: readonly IdentitySource[];
  readonly #byName: ReadonlyMap<string, IdentitySource>;
  readonly #deps: ChainDeps;
  readonly #recent = new RecentFailures();

  constructor(sources: readonly IdentitySource[], deps: ChainDeps) {
    this.#sources = sources;
    this.#byName = new Map(sources.map((source) => [source.name, source]));
    this.#deps = deps;
  }

  async authenticate(presented: Presented, request: ChainRequest): Promise<ChainOutcome> {
    const now = this.#deps.clock.now();
    const recentKey =
      presented.kind === 'password' ? this.#recent.key(request.throttleKey, presented.username, presented.password.reveal()) : undefined;
    if (recentKey !== undefined && this.#recent.has(recentKey, now)) {
      return { ok: false, reason: 'repeated_failure', account: (presented as { username: string }).username };
    }
    const context = this.#context(request);
    const answer = await this.#ask(presented, context);
    if (answer.kind === 'identity') {
      const labels = mergeLabels(request.snapshot.acl.labelsFor(answer.identity.account), answer.identity.labels);
      return { ok: true, identity: { ...answer.identity, labels }, ...(answer.reuse === undefined ? {} : { reuse: answer.reuse }) };
    }
    const refusal = answer.kind === 'failed' ? answer : { reason: 'no_source', account: '', throttle: 'count' as const };
    // An outage (a directory or issuer out of reach) is not the client's mistake: its retry is a new attempt.
    if (recentKey !== undefined && refusal.throttle !== 'void') this.#recent.add(recentKey, this.#deps.clock.now());
    return { ok: false, reason: refusal.reason, account: refusal.account, ...('audit' in refusal && refusal.audit !== undefined ? { audit: refusal.audit } : {}) };
  }

  async #ask(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    for (const source of this.#sources) {
      const answer = await source.authenticate(presented, context);
      if (answer.kind !== 'not-mine') return answer;
    }
    if (presented.kind !== 'password') return failed('no_source', '');
    const { username, password } = presented;
    // Looked up like a known user's, so the cache's counters cannot tell the two apart.
    this.#deps.verifier.remembered(undefined, username, password.reveal());
    return context.guard(username, async () => {
      await this.#deps.verifier.verifyUnknown(password.reveal(), context.snapshot.slowestCost);
      return failed('unknown_user', username);
    });
  }

  #context(request: ChainRequest): SourceContext {
    const { throttle } = this.#deps;
    const context: SourceContext = {
      snapshot: request.snapshot,
      service: request.service,
      ip: request.ip,
      now: Math.floor(this.#deps.clock.now() / 1000),
      guard: async (account, check) => {
        const reservation = await throttle.reserve({ ip: request.throttleKey, account });
        let outcome: 'success' | 'failure' | 'void' = 'void';
        try {
          const answer = await check();
          outcome = answer.kind === 'identity' ? 'success' : answer.kind === 'failed' && answer.throttle !== 'void' ? 'failure' : 'void';
          return answer;
        } finally {
          await reservation.settle(outcome);
        }
      },
      resume: (binding: Binding, account: string) => {
        const source = this.#byName.get(binding.source);
        if (source?.resume === undefined) return Promise.resolve(failed('refresh_token_unknown_source', account));
        return source.resume(binding, account, context);
      },
      lookup: async (account: string) => {
        for (const source of this.#sources) {
          if (source.lookup === undefined) continue;
          const answer = await source.lookup(account, context);
          if (answer.kind !== 'not-mine') return answer;
        }
        return failed('no_such_account', account);
      },
    };
    return context;
  }
}

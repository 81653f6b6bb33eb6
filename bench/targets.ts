import type { Yardstick } from './machine-limits.js';
import type { ScenarioResult } from './run-scenario.js';
import { signatureShare, type SignatureCosts } from './table.js';

export interface TargetCheck {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  /** null when the scenarios it needs were not run. */
  readonly met: boolean | null;
}

const MB = 1024 * 1024;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The performance targets of issue 16, checked against this run: figures of purser's own CPU time. */
export function checkTargets(results: readonly ScenarioResult[], limits: Yardstick, signature: SignatureCosts): TargetCheck[] {
  const find = (name: string): ScenarioResult | undefined => results.find((r) => r.name === name);
  const checks: TargetCheck[] = [];
  const add = (scenario: string, target: string, measure: () => { measured: string; met: boolean }, needs: Array<ScenarioResult | undefined>): void => {
    if (needs.some((r) => r === undefined)) checks.push({ scenario, target, measured: 'not run', met: null });
    else checks.push({ scenario, target, ...measure() });
  };
  const share = (name: string, atLeast: number): void => {
    const result = find(name);
    add(name, `signature share >= ${atLeast.toFixed(2)}`, () => {
      const s = signatureShare(result as ScenarioResult, signature);
      return { measured: s.toFixed(2), met: s >= atLeast };
    }, [result]);
  };
  share('anonymous', 0.8);
  share('repeat', 0.75);
  share('api-token', 0.75);
  checks.push({ scenario: 'federated', target: 'signature share >= 0.75', measured: 'not run', met: null });
  const repeat = find('repeat');
  const es256 = find('es256');
  add('es256', 'CPU per token <= 0.35x the RS256 repeat figure', () => {
    const r = (es256 as ScenarioResult).serverCpu.msPerToken / (repeat as ScenarioResult).serverCpu.msPerToken;
    return { measured: `${r.toFixed(2)}x`, met: r <= 0.35 };
  }, [es256, repeat]);
  const reuse = find('reuse');
  add('reuse', `tokens/s above the RS256 limit (${limits.rs256PerSecond.toFixed(0)}/s)`, () => {
    const r = (reuse as ScenarioResult).load.tokensPerSecond / limits.rs256PerSecond;
    return { measured: `${r.toFixed(2)}x`, met: r > 1 };
  }, [reuse]);
  const distinct = find('distinct');
  add('distinct', `>= 80% of the bcrypt cost-10 limit (${limits.bcryptPerSecond.toFixed(1)}/s)`, () => {
    const r = (distinct as ScenarioResult).load.tokensPerSecond / limits.bcryptPerSecond;
    return { measured: pct(r), met: r >= 0.8 };
  }, [distinct]);
  add('distinct', 'no credential used twice', () => {
    const repeats = (distinct as ScenarioResult).credentials?.repeats ?? 0;
    return { measured: `${repeats} repeats`, met: repeats === 0 };
  }, [distinct]);
  const big = find('acl-1000');
  add('acl-1000', 'primary process < 50 MB RSS at peak', () => {
    const mb = (big as ScenarioResult).primaryPeakRssBytes / MB;
    return { measured: `${mb.toFixed(0)} MB`, met: mb < 50 };
  }, [big]);
  add('acl-1000', 'each worker < 100 MB RSS at peak (10,000 users, 1,000 rules)', () => {
    const workers = (big as ScenarioResult).workerPeakRssBytes;
    const mb = Math.max(0, ...workers) / MB;
    return { measured: workers.length === 0 ? 'no workers' : `${mb.toFixed(0)} MB`, met: workers.length > 0 && mb < 100 };
  }, [big]);
  for (const result of results) {
    const failed = result.load.non2xx + result.load.errors;
    if (failed > 0) {
      checks.push({ scenario: result.name, target: 'every request answered 200', measured: `${failed} not`, met: false });
    }
  }
  return checks;
}

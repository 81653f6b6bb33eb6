import type { Yardstick } from './machine-limits.js';
import type { ScenarioResult } from './run-scenario.js';

export interface TargetCheck {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  /** null when the scenarios it needs were not run. */
  readonly met: boolean | null;
}

const MB = 1024 * 1024;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The performance targets of the benchmark issue, checked against this run. */
export function checkTargets(results: readonly ScenarioResult[], limits: Yardstick): TargetCheck[] {
  const find = (name: string): ScenarioResult | undefined => results.find((r) => r.name === name);
  const rs256 = limits.rs256PerSecond;
  const checks: TargetCheck[] = [];
  const add = (scenario: string, target: string, measure: () => { measured: string; met: boolean }, needs: Array<ScenarioResult | undefined>): void => {
    if (needs.some((r) => r === undefined)) checks.push({ scenario, target, measured: 'not run', met: null });
    else checks.push({ scenario, target, ...measure() });
  };
  const repeat = find('repeat');
  const anonymous = find('anonymous');
  const distinct = find('distinct');
  const big = find('acl-1000');
  add('repeat', `>= 70% of the RS256 limit (${rs256.toFixed(0)}/s)`, () => {
    const r = (repeat as ScenarioResult).load.tokensPerSecond / rs256;
    return { measured: pct(r), met: r >= 0.7 };
  }, [repeat]);
  add('repeat', 'p99 < 50 ms at that load', () => {
    const p99 = (repeat as ScenarioResult).load.latency.p99;
    return { measured: `${p99} ms`, met: p99 < 50 };
  }, [repeat]);
  add('anonymous', `>= 80% of the RS256 limit (${rs256.toFixed(0)}/s)`, () => {
    const r = (anonymous as ScenarioResult).load.tokensPerSecond / rs256;
    return { measured: pct(r), met: r >= 0.8 };
  }, [anonymous]);
  add('distinct', `>= 80% of the bcrypt cost-10 limit (${limits.bcryptPerSecond.toFixed(1)}/s)`, () => {
    const r = (distinct as ScenarioResult).load.tokensPerSecond / limits.bcryptPerSecond;
    return { measured: pct(r), met: r >= 0.8 };
  }, [distinct]);
  add('distinct', 'no credential used twice', () => {
    const repeats = (distinct as ScenarioResult).credentials?.repeats ?? 0;
    return { measured: `${repeats} repeats`, met: repeats === 0 };
  }, [distinct]);
  add('acl-1000', 'within 10% of the 10-rule figure (repeat)', () => {
    const r = (big as ScenarioResult).load.tokensPerSecond / (repeat as ScenarioResult).load.tokensPerSecond;
    return { measured: `${pct(r)} of it`, met: r >= 0.9 };
  }, [big, repeat]);
  add('acl-1000', 'peak RSS < 200 MB with 10,000 users', () => {
    const mb = (big as ScenarioResult).peakRssBytes / MB;
    return { measured: `${mb.toFixed(0)} MB`, met: mb < 200 };
  }, [big]);
  for (const result of results) {
    const failed = result.load.non2xx + result.load.errors;
    if (failed > 0) {
      checks.push({ scenario: result.name, target: 'every request answered 200', measured: `${failed} not`, met: false });
    }
  }
  return checks;
}

import type { Yardstick } from './machine-limits.js';
import type { ScenarioResult } from './run-scenario.js';
import type { SignatureCost } from './signature-cost.js';
import type { TargetCheck } from './targets.js';

const MB = 1024 * 1024;

/** The signature costs of the run, RS256 and ES256. */
export interface SignatureCosts {
  readonly rs256: SignatureCost;
  readonly es256: SignatureCost;
}

/** A Markdown table (aligned, so it reads in a terminal too). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** One signature's CPU time in ms for the scenario's algorithm. */
export function signatureMs(result: ScenarioResult, signature: SignatureCosts): number {
  return (result.alg === 'ES256' ? signature.es256 : signature.rs256).microseconds / 1000;
}

/** Signature time ÷ CPU per token: 1.0 would mean purser spends nothing but the signature. */
export function signatureShare(result: ScenarioResult, signature: SignatureCosts): number {
  return result.serverCpu.msPerToken > 0 ? signatureMs(result, signature) / result.serverCpu.msPerToken : 0;
}

/** Per scenario: tokens/s, latency, purser's CPU per token against one signature, and each process's peak RSS. */
export function resultsTable(results: readonly ScenarioResult[], limits: Yardstick, signature: SignatureCosts): string {
  return markdownTable(
    ['Scenario', 'Tokens/s', 'p50 ms', 'p99 ms', 'CPU ms/token', 'Signature ms', 'Signature share', 'Of limit', 'RSS MB primary / workers', 'Other procs cores'],
    results.map((r) => [
      r.title,
      r.load.tokensPerSecond.toFixed(0),
      String(r.load.latency.p50),
      String(r.load.latency.p99),
      r.serverCpu.msPerToken.toFixed(3),
      `${signatureMs(r, signature).toFixed(3)} ${r.alg}`,
      r.name === 'distinct' || r.name === 'reuse' ? '' : signatureShare(r, signature).toFixed(2),
      r.name === 'distinct'
        ? `${(r.load.tokensPerSecond / limits.bcryptPerSecond).toFixed(2)} bcrypt`
        : `${(r.load.tokensPerSecond / (r.alg === 'ES256' ? limits.es256PerSecond : limits.rs256PerSecond)).toFixed(2)} ${r.alg}`,
      `${(r.primaryPeakRssBytes / MB).toFixed(0)} / ${r.workerPeakRssBytes.map((b) => (b / MB).toFixed(0)).join(', ') || '-'}`,
      r.otherCores.toFixed(2),
    ]),
    [false, true, true, true, true, true, true, true, true, true],
  );
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return markdownTable(
    ['Scenario', 'Target', 'Measured', 'Result'],
    checks.map((c) => [c.scenario, c.target, c.measured, c.met === null ? 'not run' : c.met ? 'met' : 'MISSED']),
    [false, false, true, false],
  );
}

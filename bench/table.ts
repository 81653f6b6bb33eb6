import type { Yardstick } from './machine-limits.js';
import type { ScenarioResult } from './run-scenario.js';
import type { TargetCheck } from './targets.js';

const MB = 1024 * 1024;

/** A Markdown table (aligned, so it reads in a terminal too). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Per scenario: tokens/s, latency, peak RSS, the fraction of the signature limit, and where the CPU went. */
export function resultsTable(results: readonly ScenarioResult[], limits: Yardstick): string {
  return markdownTable(
    ['Scenario', 'Tokens/s', 'p50 ms', 'p99 ms', 'Peak RSS MB', 'Of RS256 limit', 'Of bcrypt limit', 'Server CPU ms/token (main + other threads)', 'Load gen. cores', 'Other procs cores'],
    results.map((r) => [
      r.title,
      r.load.tokensPerSecond.toFixed(0),
      String(r.load.latency.p50),
      String(r.load.latency.p99),
      (r.peakRssBytes / MB).toFixed(0),
      `${((r.load.tokensPerSecond / limits.rs256PerSecond) * 100).toFixed(1)}%`,
      r.name === 'distinct' ? `${((r.load.tokensPerSecond / limits.bcryptPerSecond) * 100).toFixed(1)}%` : '',
      `${r.serverCpu.msPerToken.toFixed(2)} (${r.serverCpu.mainThreadMsPerToken.toFixed(2)} + ${r.serverCpu.otherThreadsMsPerToken.toFixed(2)})`,
      r.loadGeneratorCores.toFixed(2),
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

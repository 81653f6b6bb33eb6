import { DISTURBED, type ScenarioResult } from './run-scenario.js';

/** The lines printed under a scenario once it has run. */
export function scenarioSummary(result: ScenarioResult): string[] {
  const { load } = result;
  const lines = [
    `${load.tokensPerSecond.toFixed(0)} tokens/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ` +
      `peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MB (${result.processes} process${result.processes === 1 ? '' : 'es'}: ` +
      `primary ${(result.primaryPeakRssBytes / 2 ** 20).toFixed(0)} MB${result.workerPeakRssBytes.map((b) => `, worker ${(b / 2 ** 20).toFixed(0)} MB`).join('')}); ` +
      `${load.ok} tokens, ${load.non2xx} non-2xx, ${load.errors} errors`,
  ];
  if (result.otherCores >= DISTURBED) {
    lines.push(`WARNING: other processes kept ${result.otherCores.toFixed(2)} cores busy meanwhile; these figures are low`);
  }
  lines.push(
    `server CPU ${result.serverCpu.msPerToken.toFixed(3)} ms/token over all its processes; ${result.serverCpu.mainThreadCores.toFixed(2)} cores main thread + ${result.serverCpu.otherThreadsCores.toFixed(2)} other threads; ` +
      `load generator ${result.loadGeneratorCores.toFixed(2)} cores; ` +
      (typeof result.server === 'string'
        ? `server counters unknown (${result.server})`
        : `bcrypt runs ${result.server.bcryptRuns}, cache hits ${result.server.cacheHits}, misses ${result.server.cacheMisses}`),
  );
  if (result.credentials) {
    lines.push(`credentials handed out ${result.credentials.drawn} of ${result.users} users, repeats ${result.credentials.repeats}`);
  }
  if (result.cpuProfile) {
    lines.push(
      `CPU profile of the server's main thread (${result.cpuProfile.totalMs} ms sampled, start-up included), top self time. ` +
        'Samples are taken in wall-clock time: while the thread waits for a core, the time goes to where it was preempted ' +
        '(typically signOneShot, which wakes a pool thread, and writev):',
    );
    for (const f of result.cpuProfile.functions) lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.frame}`);
    lines.push('by place:');
    for (const p of result.cpuProfile.places) lines.push(`  ${p.percent.toFixed(1).padStart(5)}%  ${p.frame}`);
  }
  return lines;
}

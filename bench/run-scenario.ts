import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuTimeSince, treeCpuTime } from './cpu-time.js';
import { summariseCpuProfiles, type ProfileSummary } from './cpu-profile.js';
import { runLoad, type LoadResult } from './load.js';
import type { BenchOptions } from './options.js';
import { RssSampler } from './rss.js';
import type { Scenario, ScenarioContext } from './scenarios.js';
import { countersSince, readServerCounters, type ServerCounters } from './server-counters.js';
import { waitForQuiet } from './quiet.js';
import { startPurser } from './server-process.js';
import { withOtherLoad } from './system-cpu.js';

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly does: string;
  readonly users: number;
  readonly rules: number;
  readonly connections: number;
  readonly workers: string;
  readonly load: LoadResult;
  /** Peak resident set of the server (and its workers), sampled every 100 ms, in bytes. */
  readonly peakRssBytes: number;
  /** The sum of the server processes' VmHWM at the end (includes start-up and warm-up). */
  readonly hwmBytes: number;
  /** Server processes: 1, or the cluster primary and its workers. */
  readonly processes: number;
  /** Peak VmRSS sampled of the primary (or only) server process, and of each worker, in bytes. */
  readonly primaryPeakRssBytes: number;
  readonly workerPeakRssBytes: readonly number[];
  /** The algorithm the server signed with. */
  readonly alg: 'RS256' | 'ES256';
  /** Server CPU during the measured phase: cores busy on average, and milliseconds per token. */
  readonly serverCpu: {
    readonly mainThreadCores: number;
    readonly otherThreadsCores: number;
    readonly msPerToken: number;
    readonly mainThreadMsPerToken: number;
    readonly otherThreadsMsPerToken: number;
  };
  /** Load generator CPU during the measured phase, in cores. */
  readonly loadGeneratorCores: number;
  /** Cores other processes on the machine kept busy during the measured phase; above ~0.1 the figures are unreliable. */
  readonly otherCores: number;
  /** What /metrics says the server did during the measured phase (or why it could not be read). */
  readonly server: ServerCounters | string;
  /** For the distinct-users scenario: credentials handed out (warm-up included) and repeats among them. */
  readonly credentials?: { readonly drawn: number; readonly repeats: number };
  readonly cpuProfile?: ProfileSummary;
}

/** Other processes' load, in cores, above which a measurement counts as disturbed. */
export const DISTURBED = 0.15;

/**
 * Runs a scenario once the machine is quiet, and again (up to `options.retries` times) while other
 * processes disturbed it; returns the least disturbed run.
 */
export async function runScenarioUndisturbed(
  scenario: Scenario,
  options: BenchOptions,
  context: ScenarioContext,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  let best: ScenarioResult | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    const { quiet, waited } = await waitForQuiet(30);
    if (!quiet) log(`  the machine did not get quiet in ${waited.toFixed(0)} s; measuring anyway`);
    const run = await runScenario(scenario, options, context);
    if (best === undefined || run.otherCores < best.otherCores) best = run;
    if (run.otherCores < DISTURBED) break;
    if (attempt < options.retries) {
      log(`  other processes kept ${run.otherCores.toFixed(2)} cores busy (${run.load.tokensPerSecond.toFixed(0)} tokens/s): running it again`);
    }
  }
  return best as ScenarioResult;
}

/**
 * One scenario: fixtures in a fresh temporary directory, a fresh server, a warm-up, then the measured
 * load while the server's RSS and CPU are sampled; then the server is stopped (which writes its CPU
 * profile, if asked for).
 */
export async function runScenario(scenario: Scenario, options: BenchOptions, context: ScenarioContext): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), `purser-bench-${scenario.name}-`));
  try {
    const prepared = await scenario.prepare(dir, context);
    const profileDir = join(dir, 'cpu-profiles');
    const server = await startPurser({
      server: options.server,
      cwd: dir,
      nodeArgs: options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      env: {
        PURSER_LOG_LEVEL: 'warn',
        // Audit lines are still built and written, but to /dev/null, so neither the terminal nor a disk takes part.
        PURSER_AUDIT_LOG: '/dev/null',
        PURSER_WORKERS: options.workers,
        ...(options.uvThreadpool === undefined ? {} : { UV_THREADPOOL_SIZE: String(options.uvThreadpool) }),
        ...prepared.env,
        ...options.serverEnv,
      },
    });
    let stopped = false;
    try {
      if (options.warmup > 0) await runLoad(server.url, prepared.source, options.connections, options.warmup);
      const countersBefore = await readServerCounters(server.url);
      const rss = new RssSampler(server.pid);
      const cpuBefore = treeCpuTime(server.pid);
      const serverCpu = (): number => {
        const t = treeCpuTime(server.pid);
        return t.mainThreads + t.otherThreads;
      };
      const { value: load, otherCores } = await withOtherLoad(
        () => runLoad(server.url, prepared.source, options.connections, options.duration),
        serverCpu,
      );
      const cpu = cpuTimeSince(cpuBefore, treeCpuTime(server.pid));
      const memory = rss.stop();
      const counters = countersSince(countersBefore, await readServerCounters(server.url));
      const code = await server.stop();
      stopped = true;
      if (code !== 0) throw new Error(`purser exited with ${code} after the ${scenario.name} scenario:\n${server.output()}`);
      const perToken = (seconds: number): number => (load.ok > 0 ? (seconds / load.ok) * 1000 : 0);
      const cpuProfile = options.cpuProf
        ? await summariseCpuProfiles((await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profileDir, f)))
        : undefined;
      return {
        name: scenario.name,
        title: scenario.title,
        does: scenario.does,
        users: prepared.users,
        rules: prepared.rules,
        connections: options.connections,
        workers: options.workers,
        load,
        peakRssBytes: memory.peakBytes,
        hwmBytes: memory.hwmBytes,
        processes: memory.processes,
        primaryPeakRssBytes: memory.primaryPeakBytes,
        workerPeakRssBytes: memory.workerPeakBytes,
        alg: scenario.alg,
        serverCpu: {
          mainThreadCores: cpu.mainThreads / load.seconds,
          otherThreadsCores: cpu.otherThreads / load.seconds,
          msPerToken: perToken(cpu.mainThreads + cpu.otherThreads),
          mainThreadMsPerToken: perToken(cpu.mainThreads),
          otherThreadsMsPerToken: perToken(cpu.otherThreads),
        },
        loadGeneratorCores: load.loadCpuSeconds / load.seconds,
        otherCores,
        server: counters,
        ...(prepared.credentials === undefined ? {} : { credentials: prepared.credentials() }),
        ...(cpuProfile === undefined ? {} : { cpuProfile }),
      };
    } finally {
      if (!stopped) await server.stop();
    }
  } finally {
    if (options.keep) process.stderr.write(`  kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

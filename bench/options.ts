import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository root: this file runs as dist/bench/options.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const SCENARIO_NAMES = ['anonymous', 'repeat', 'api-token', 'es256', 'reuse', 'distinct', 'acl-1000'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
  /** Seconds of measured load per scenario. */
  readonly duration: number;
  /** Seconds of unmeasured load before each measurement. */
  readonly warmup: number;
  readonly connections: number;
  /** Passed to the server as PURSER_WORKERS (`1`, a number, or `auto`). */
  readonly workers: string;
  /** UV_THREADPOOL_SIZE for the server (libuv's pool, where it signs and runs bcrypt); undefined: Node's default, 4. */
  readonly uvThreadpool: number | undefined;
  /** Extra environment for the server (`--server-env NAME=VALUE`), applied last: for tuning experiments. */
  readonly serverEnv: Readonly<Record<string, string>>;
  /** Seconds each signature and bcrypt limit measurement runs. */
  readonly limitDuration: number;
  readonly out: string;
  readonly scenarios: readonly ScenarioName[];
  /** Runs of a scenario disturbed by other processes (>= 0.15 cores) are repeated up to this many times. */
  readonly retries: number;
  /** Run the server under --cpu-prof and print its top self-time functions per scenario. */
  readonly cpuProf: boolean;
  /** The purser CLI to start. */
  readonly server: string;
  /** Keep each scenario's working directory (fixtures, CPU profiles) instead of deleting it. */
  readonly keep: boolean;
  readonly cores: number;
}

export const USAGE = `Usage: npm run bench -- [options]

Starts purser on loopback for each scenario and drives it with autocannon; first measures this
machine's RS256/ES256 signature and bcrypt limits over all cores.

Options:
  --duration <s>        measured seconds per scenario (default 10)
  --warmup <s>          unmeasured warm-up seconds per scenario (default 2)
  --connections <n>     concurrent keep-alive connections (default 32)
  --workers <1|n|auto>  PURSER_WORKERS for the server (default 1)
  --uv-threadpool <n>   UV_THREADPOOL_SIZE for the server (default: unset, so Node's 4)
  --server-env N=V      extra environment for the server, repeatable (e.g. PURSER_AUDIT_LOG= to
                        send audit events to the main log, which the bench's warn level drops)
  --limit-duration <s>  seconds per limit measurement (default 5)
  --only <a,b>          scenarios to run: ${SCENARIO_NAMES.join(', ')} (default all)
  --retries <n>         repeat a scenario up to n times when other processes disturbed it (default 2)
  --out <file>          JSON results (default bench/results.json)
  --cpu-prof            run the server under --cpu-prof; print its top self-time functions
  --server <file>       the purser CLI to start (default dist/src/cli/purser.js)
  --keep                keep each scenario's temporary directory
  --help                this text
`;

/** Parses the command line; throws an Error with a message for the user on a bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      workers: { type: 'string', default: '1' },
      'uv-threadpool': { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      'limit-duration': { type: 'string', default: '5' },
      only: { type: 'string' },
      out: { type: 'string' },
      retries: { type: 'string', default: '2' },
      'cpu-prof': { type: 'boolean', default: false },
      server: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const number = (name: string, text: string, min: number): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number of at least ${min}`);
    return value;
  };
  const workers = values.workers;
  if (workers !== 'auto' && !/^[1-9][0-9]*$/.test(workers)) throw new Error('--workers must be auto or a whole number');
  const scenarios = values.only === undefined ? [...SCENARIO_NAMES] : values.only.split(',').map((s) => s.trim());
  for (const name of scenarios) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--only: unknown scenario ${JSON.stringify(name)}; use ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return {
    duration: number('duration', values.duration, 1),
    warmup: number('warmup', values.warmup, 0),
    connections: Math.round(number('connections', values.connections, 1)),
    workers,
    uvThreadpool: values['uv-threadpool'] === undefined ? undefined : Math.round(number('uv-threadpool', values['uv-threadpool'], 1)),
    serverEnv: Object.fromEntries(
      (values['server-env'] ?? []).map((pair) => {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new Error(`--server-env ${JSON.stringify(pair)}: write NAME=VALUE`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
    ),
    limitDuration: number('limit-duration', values['limit-duration'], 0.5),
    // Given paths are relative to the working directory; the defaults live in the repository.
    out: values.out === undefined ? resolve(REPO_ROOT, 'bench/results.json') : resolve(values.out),
    scenarios: scenarios as ScenarioName[],
    retries: Math.round(number('retries', values.retries, 0)),
    cpuProf: values['cpu-prof'],
    server: values.server === undefined ? resolve(REPO_ROOT, 'dist/src/cli/purser.js') : resolve(values.server),
    keep: values.keep,
    cores: availableParallelism(),
  };
}

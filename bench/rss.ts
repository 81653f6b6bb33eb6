import { processTree, statusBytes } from './process-tree.js';

export interface RssPeak {
  /** The highest sum of VmRSS over the process tree among the samples. */
  readonly peakBytes: number;
  /** The sum over the tree of each process's own VmHWM (its peak since it started) at the end. */
  readonly hwmBytes: number;
  readonly samples: number;
  /** The most processes (server and workers) seen in one sample. */
  readonly processes: number;
  /** The highest VmRSS sampled of the first process started (the cluster primary, or the only server process). */
  readonly primaryPeakBytes: number;
  /** The highest VmRSS sampled of each other process (the cluster workers), in the order first seen. */
  readonly workerPeakBytes: readonly number[];
}

/**
 * Samples the resident set of a server and its worker processes every `intervalMs` while a scenario
 * runs. With one process, VmHWM is exact; with a cluster the sampled sum is what counts (the
 * processes' peaks need not coincide, so the sum of VmHWM is only an upper bound).
 */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #peak = 0;
  #samples = 0;
  #processes = 0;
  readonly #perProcess = new Map<number, number>();

  constructor(pid: number, intervalMs = 100) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  stop(): RssPeak {
    clearInterval(this.#timer);
    this.#sample();
    const hwmBytes = processTree(this.#pid).reduce((sum, pid) => sum + statusBytes(pid, 'VmHWM'), 0);
    const workerPeakBytes = [...this.#perProcess].filter(([pid]) => pid !== this.#pid).map(([, bytes]) => bytes);
    return {
      peakBytes: this.#peak,
      hwmBytes,
      samples: this.#samples,
      processes: this.#processes,
      primaryPeakBytes: this.#perProcess.get(this.#pid) ?? 0,
      workerPeakBytes,
    };
  }

  #sample(): void {
    const tree = processTree(this.#pid);
    let total = 0;
    for (const pid of tree) {
      const bytes = statusBytes(pid, 'VmRSS');
      total += bytes;
      this.#perProcess.set(pid, Math.max(this.#perProcess.get(pid) ?? 0, bytes));
    }
    this.#processes = Math.max(this.#processes, tree.length);
    this.#peak = Math.max(this.#peak, total);
    this.#samples++;
  }
}

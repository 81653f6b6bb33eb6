import { readdirSync, readFileSync } from 'node:fs';
import { processTree } from './process-tree.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of a process tree: main threads apart from all other threads. */
export interface CpuTime {
  /** The processes' main threads: the event loops, where JavaScript runs. */
  readonly mainThreads: number;
  /** Every other thread: libuv's pool (signing, bcrypt), V8's GC and compiler threads. */
  readonly otherThreads: number;
}

export function treeCpuTime(pid: number): CpuTime {
  let mainThreads = 0;
  let otherThreads = 0;
  for (const process of processTree(pid)) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${process}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const ticks = threadTicks(process, tid);
      if (Number(tid) === process) mainThreads += ticks;
      else otherThreads += ticks;
    }
  }
  return { mainThreads: mainThreads / TICKS_PER_SECOND, otherThreads: otherThreads / TICKS_PER_SECOND };
}

export function cpuTimeSince(before: CpuTime, after: CpuTime): CpuTime {
  return { mainThreads: after.mainThreads - before.mainThreads, otherThreads: after.otherThreads - before.otherThreads };
}

function threadTicks(pid: number, tid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

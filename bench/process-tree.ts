import { readdirSync, readFileSync } from 'node:fs';

/** `pid` and all its descendants (cluster workers), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop() as number;
    out.push(current);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`/proc/${current}/task/${tid}/children`, 'utf8').split(' ')) {
          if (child.trim() !== '') pending.push(Number(child));
        }
      } catch {
        // thread gone meanwhile
      }
    }
  }
  return out;
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), or 0 if the process is gone. */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

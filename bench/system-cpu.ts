import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds the whole machine has been busy (all cores: user, nice, system, irq, softirq, steal),
 * from /proc/stat. Compared with what the server and the benchmark used over the same time, it shows
 * how much other processes took: on a shared machine that makes a run's figures unreliable.
 */
export function systemBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** This process's CPU seconds (all its threads) so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Runs `work` and reports how many cores other processes kept busy meanwhile, on average. */
export async function withOtherLoad<T>(work: () => Promise<T>, ownExtra: () => number = () => 0): Promise<{ value: T; otherCores: number }> {
  const busy = systemBusySeconds();
  const own = ownCpuSeconds();
  const extra = ownExtra();
  const started = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const others = systemBusySeconds() - busy - (ownCpuSeconds() - own) - (ownExtra() - extra);
  return { value, otherCores: Math.max(0, others / seconds) };
}

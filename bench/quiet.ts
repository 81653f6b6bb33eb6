import { ownCpuSeconds, systemBusySeconds } from './system-cpu.js';

/**
 * Waits, up to `maxSeconds`, for a second in which other processes keep less than `threshold` cores
 * busy: on a machine shared with builds and test runs, measuring meanwhile would only show the noise.
 * Resolves with the seconds waited and whether it got quiet.
 */
export async function waitForQuiet(maxSeconds: number, threshold = 0.1): Promise<{ waited: number; quiet: boolean }> {
  const started = Date.now();
  for (;;) {
    const busy = systemBusySeconds();
    const own = ownCpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const others = systemBusySeconds() - busy - (ownCpuSeconds() - own);
    const waited = (Date.now() - started) / 1000;
    if (others < threshold) return { waited, quiet: true };
    if (waited >= maxSeconds) return { waited, quiet: false };
  }
}

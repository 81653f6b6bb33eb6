/**
 * Keeps `inFlight` calls of `task` running for `seconds`, then waits for the last ones; returns
 * completions per second over the time from the start to the last completion.
 */
export async function saturate(task: () => Promise<unknown>, inFlight: number, seconds: number): Promise<number> {
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let done = 0;
  let last = started;
  const lane = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      await task();
      done++;
      last = process.hrtime.bigint();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return done / (Number(last - started) / 1e9);
}

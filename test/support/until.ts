// Waiting for a condition with a deadline that only bounds a hang; it never decides an outcome.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls fn every 100 ms until it returns something other than undefined (a throw counts as not
 * yet, and is reported if the deadline passes); `context` adds to the timeout's message.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 30_000, context?: () => string): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const why = last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out waiting for ${what}${why}${context === undefined ? '' : `\n${context()}`}`);
    }
    await sleep(100);
  }
}

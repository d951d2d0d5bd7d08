/**
 * Waits until cond() holds, polling between turns of the event loop. The deadline only bounds a
 * hang (the test then fails saying what it waited for); it never decides an outcome.
 */
export async function waitFor(cond: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

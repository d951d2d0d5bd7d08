import { ReferenceLog } from './reference-log.js';
import type { ValidationInput, Violation } from './types.js';
import { checkLogAgainstHistory } from './watch-history.js';
import { checkWatchLocally } from './watch-local.js';
import { checkWatchAgainstLog } from './watch-reference.js';
import { viewWatch } from './watch-view.js';
import { collectWrites } from './writes.js';

/**
 * Checks the recorded watch streams against etcd's watch guarantees (ordered, unique, atomic,
 * reliable, resumable, bookmarkable, filters, prevKv) and against the KV history. Every watch
 * is merged into one reference log of revision → events; the watches must agree on it.
 */
export function validateWatches(input: ValidationInput): Violation[] {
  const out: Violation[] = [];
  const views = input.watches.map(viewWatch);
  const log = ReferenceLog.build(views, out);
  for (const v of views) {
    checkWatchLocally(v, input.compactedUpTo, out);
    checkWatchAgainstLog(v, views, log, input.compactedUpTo, out);
  }
  checkLogAgainstHistory(collectWrites(input.history), views, log, out);
  return out;
}

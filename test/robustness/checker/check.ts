// The entry point: validates a history, checks revisions across keys, then searches each key's
// sub-history for a linearization (P-compositionality: a history of independent registers is
// linearizable iff each register's sub-history is). One deadline covers everything; running
// out of time answers 'unknown', never 'ok'.
import { formatHistory } from './format.js';
import type { IndexedOperation, Operation } from './history.js';
import { kvModel } from './kv-model.js';
import { prepareKeyHistory } from './prepare.js';
import { checkRevisionOrder } from './revision-order.js';
import { searchLinearization } from './search.js';
import { shrinkFailing, type ShrunkOperation } from './shrink.js';
import { validateHistory } from './validate.js';

export interface CheckOptions {
  /** Time budget for the whole check, ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Check recorded revisions (per key in the model, and across keys). Default true. */
  readonly revisions?: boolean;
  /** Shrink a violation to a small failing sub-history. Default true. */
  readonly shrink?: boolean;
  /**
   * Extra time for shrinking, ms (default 2 000), within the overall budget. Out of it, the
   * violation is reported with the sub-history shrunk so far (it still fails).
   */
  readonly shrinkMs?: number;
  /** The clock for the budget (ms). Default performance.now. */
  readonly now?: () => number;
}

export interface CheckStats {
  readonly operations: number;
  readonly keys: number;
  readonly elapsedMs: number;
}

export type CheckResult =
  | { readonly kind: 'ok'; readonly stats: CheckStats }
  | {
      readonly kind: 'violation';
      /** The key whose sub-history is not linearizable; absent for a cross-key revision anomaly. */
      readonly key?: string;
      readonly reason: string;
      /**
       * The failing sub-history (shrunk unless `shrink: false`), in call order. `weakened` marks
       * writes whose recorded answer is not needed for the failure (see shrink.ts).
       */
      readonly operations: readonly ShrunkOperation[];
      /** `reason` and the operations, one per line. */
      readonly report: string;
      readonly stats: CheckStats;
    }
  | { readonly kind: 'unknown'; readonly reason: string; readonly undecidedKeys: readonly string[]; readonly stats: CheckStats };

/** Groups operations by key, leaving out reads with unknown outcome (they constrain nothing). */
export function partitionByKey(history: readonly Operation[]): Map<string, IndexedOperation[]> {
  const parts = new Map<string, IndexedOperation[]>();
  history.forEach((op, index) => {
    if (op.input.kind === 'get' && op.output === undefined) return;
    let part = parts.get(op.input.key);
    if (part === undefined) parts.set(op.input.key, (part = []));
    part.push({ index, op });
  });
  return parts;
}

function violation(
  key: string | undefined,
  reason: string,
  ops: readonly (IndexedOperation & { readonly weakened?: boolean })[],
  stats: CheckStats,
): CheckResult {
  const sorted = ops.map((x) => ({ ...x, weakened: x.weakened ?? false })).sort((a, b) => a.op.call - b.op.call || a.index - b.index);
  const head = key === undefined ? reason : `key ${JSON.stringify(key)}: ${reason}`;
  const report = `${head}\n${formatHistory(sorted)}`;
  return key === undefined
    ? { kind: 'violation', reason, operations: sorted, report, stats }
    : { kind: 'violation', key, reason, operations: sorted, report, stats };
}

/** Checks a recorded history against the etcd KV model. Throws HistoryError if malformed. */
export function checkHistory(history: readonly Operation[], options: CheckOptions = {}): CheckResult {
  validateHistory(history);
  const now = options.now ?? (() => performance.now());
  const start = now();
  const deadline = start + (options.timeoutMs ?? 10_000);
  const useRev = options.revisions ?? true;
  const parts = partitionByKey(history);
  const stats = (): CheckStats => ({ operations: history.length, keys: parts.size, elapsedMs: now() - start });

  if (useRev) {
    const bad = checkRevisionOrder(history);
    if (bad !== undefined) return violation(undefined, bad.reason, bad.operations, stats());
  }
  const model = kvModel({ revisions: useRev });
  const verdict = (ops: readonly Operation[], until = deadline) => searchLinearization(model, ops, until, now).kind;
  const undecided: string[] = [];
  for (const [key, whole] of parts) {
    const part = prepareKeyHistory(whole);
    const v = undecided.length > 0 ? 'unknown' : verdict(part.map((x) => x.op));
    if (v === 'unknown') undecided.push(key);
    if (v !== 'violation') continue;
    const shrinkUntil = Math.min(deadline, now() + (options.shrinkMs ?? 2_000));
    const shrinkVerdict = (ops: readonly Operation[], budgetMs: number) =>
      verdict(ops, Math.min(shrinkUntil, now() + budgetMs));
    const ops = options.shrink === false ? part : shrinkFailing(part, shrinkVerdict);
    return violation(key, 'no linearization of this key\'s operations exists', ops, stats());
  }
  if (undecided.length > 0) {
    return { kind: 'unknown', reason: 'time budget exhausted', undecidedKeys: undecided, stats: stats() };
  }
  return { kind: 'ok', stats: stats() };
}

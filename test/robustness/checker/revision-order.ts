// Checks on revisions across keys, which the per-key search cannot see: the cluster has one
// revision counter, so (1) no two writes that changed something may report the same revision,
// and (2) revisions respect real time: if A returned before B was called, B's revision is at
// least A's, and strictly greater when B is a write that changed something. Together with the
// per-key search (which orders each key's operations consistently with their revisions) the
// revision order is a witness for one global linearization. Not checked: that revisions have no
// gaps, since a harness may not record every write (other clients, leases, compactions).
import { isCompleted, isEffectiveWrite, type IndexedOperation, type Operation } from './history.js';

export interface RevisionViolation {
  readonly reason: string;
  readonly operations: readonly IndexedOperation[];
}

/** Returns the first revision anomaly found in the history, or undefined. */
export function checkRevisionOrder(history: readonly Operation[]): RevisionViolation | undefined {
  const withRev: IndexedOperation[] = [];
  history.forEach((op, index) => {
    if (isCompleted(op) && op.output?.revision !== undefined) withRev.push({ index, op });
  });
  return duplicateWriteRevision(withRev) ?? realTimeOrder(withRev);
}

function duplicateWriteRevision(ops: readonly IndexedOperation[]): RevisionViolation | undefined {
  const byRev = new Map<number, IndexedOperation>();
  for (const x of ops) {
    if (!isEffectiveWrite(x.op)) continue;
    const rev = x.op.output!.revision!;
    const other = byRev.get(rev);
    if (other !== undefined) {
      return { reason: `two acknowledged writes report the same revision ${rev}`, operations: [other, x] };
    }
    byRev.set(rev, x);
  }
  return undefined;
}

/** A sweep in call order, keeping the highest revision among operations already returned. */
function realTimeOrder(ops: readonly IndexedOperation[]): RevisionViolation | undefined {
  const byCall = [...ops].sort((a, b) => a.op.call - b.op.call);
  const byReturn = [...ops].sort((a, b) => a.op.return! - b.op.return!);
  let r = 0;
  let top: IndexedOperation | undefined;
  for (const b of byCall) {
    while (r < byReturn.length && byReturn[r]!.op.return! < b.op.call) {
      const a = byReturn[r++]!;
      if (top === undefined || a.op.output!.revision! > top.op.output!.revision!) top = a;
    }
    if (top === undefined) continue;
    const ra = top.op.output!.revision!;
    const rb = b.op.output!.revision!;
    const write = isEffectiveWrite(b.op);
    if (rb < ra || (write && rb === ra)) {
      const what = write ? 'a later write' : 'a later operation';
      return {
        reason: `revision went backwards: ${what} reports revision ${rb} after one that returned revision ${ra}`,
        operations: [top, b],
      };
    }
  }
  return undefined;
}
